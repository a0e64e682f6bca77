// The alert webhook (admins): where rate-limit alerts are posted, its signing secret (shown
// when set or rotated), and every alert with how its delivery went.
import { call } from '../api.js';
import { actionButtons, fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { once } from './secret.js';

export function alerts() {
  const error = h('p', { class: 'error', role: 'alert' });
  const state = h('div', { id: 'webhook-state' });
  const body = h('tbody');
  const url = h('input', { id: 'webhook-url', type: 'url', required: true, maxlength: '2048' });

  const act = actionButtons(error);

  function show(hook, secretShown) {
    url.value = hook.url || '';
    fill(state,
      h('p', {}, hook.url ? t('developers.webhook_at', { url: hook.url }) : t('developers.webhook_none'),
        ' ', h('span', { class: 'muted small' }, t('developers.webhook_events', { events: hook.events.join(', ') }))),
      secretShown && hook.secret ? once('webhook-secret', t('developers.webhook_secret'), hook.secret) : null,
      hook.url ? [
        act(t('developers.rotate'), async () => show(await call('POST', '/alerts/webhook/rotate-secret'), true)), ' ',
        act(t('knowledge.delete'), async () => {
          if (!confirm(t('developers.confirm_webhook'))) return;
          await call('DELETE', '/alerts/webhook');
          show(await call('GET', '/alerts/webhook'), false);
        }),
      ] : null);
  }

  const form = h('form', { id: 'webhook-form' },
    h('label', { for: 'webhook-url' }, t('developers.webhook_url')), url,
    h('button', { class: 'primary', type: 'submit' }, t('knowledge.save')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      show(await call('PUT', '/alerts/webhook', { url: url.value }), true);
    } catch (e) {
      error.textContent = e.message;
    }
  });

  (async () => {
    try {
      const [hook, deliveries] = await Promise.all([
        call('GET', '/alerts/webhook'), call('GET', '/alerts/deliveries?limit=50'),
      ]);
      show(hook, false);
      fill(body, deliveries.items.length ? deliveries.items.map((d) => h('tr', {},
        h('td', {}, new Date(d.created_at).toLocaleString()),
        h('td', {}, d.type),
        h('td', {}, t(`developers.delivery.${d.status}`, {}, d.status)),
        h('td', {}, d.attempts),
        h('td', {}, d.response_status ?? '—', d.last_error ? h('div', { class: 'muted small' }, d.last_error) : null)))
        : h('tr', {}, h('td', { colspan: 5 }, t('developers.no_deliveries'))));
    } catch (e) {
      error.textContent = e.message;
    }
  })();

  return h('section', { class: 'card wide', 'aria-labelledby': 'webhook-title' },
    h('h2', { id: 'webhook-title' }, t('developers.webhook')),
    error, state, form,
    h('h3', {}, t('developers.deliveries')),
    h('div', { class: 'table-wrap', tabindex: '0' }, h('table', {},
      h('thead', {}, h('tr', {}, ['audit.when', 'developers.event', 'knowledge.status', 'developers.attempts', 'developers.response']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      body)));
}
