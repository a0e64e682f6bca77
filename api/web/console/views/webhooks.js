// Event webhooks (admins): the endpoints that receive the environment's events, each created
// with its signing secret shown once; rotate it, turn an endpoint off or on (and see why the
// server turned one off), delete it, and read an endpoint's deliveries with a redeliver button.
import { call } from '../api.js';
import { actionButtons, fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { once } from './secret.js';

// As `EVENT_TYPES` of the server (docs/api.md, *Webhooks*).
const EVENTS = ['conversation.created', 'message.created', 'feedback.created', 'session.created',
  'session.ended', 'knowledge.ready', 'knowledge.failed', 'knowledge.synced',
  'ratelimit.warning', 'ratelimit.blocked'];

export function webhooks() {
  const error = h('p', { class: 'error', role: 'alert' });
  const shown = h('div', { id: 'endpoint-secret-box' });
  const body = h('tbody');
  const deliveries = h('div', { id: 'endpoint-deliveries' });
  const url = h('input', { id: 'endpoint-url', type: 'url', required: true, maxlength: '2048' });
  const about = h('input', { id: 'endpoint-description', maxlength: '500' });
  const boxes = EVENTS.map((event) => h('input', { type: 'checkbox', value: event, id: `event-${event}` }));

  const act = actionButtons(error, () => load());

  const showSecret = (made) => fill(shown, once('endpoint-secret', t('webhooks.secret', { url: made.url }), made.secret));

  async function showDeliveries(endpoint) {
    const page = await call('GET', `/webhooks/${endpoint.id}/deliveries?limit=50`);
    const rows = page.items.map((d) => h('tr', { 'data-delivery': d.id },
      h('td', {}, new Date(d.created_at).toLocaleString()),
      h('td', {}, d.event_type),
      h('td', {}, t(`developers.delivery.${d.status}`, {}, d.status)),
      h('td', {}, d.attempts),
      h('td', {}, d.response_status ?? '—', d.last_error ? h('div', { class: 'muted small' }, d.last_error) : null),
      h('td', {}, act(t('webhooks.redeliver'), async () => {
        await call('POST', `/webhooks/${endpoint.id}/deliveries/${d.id}/redeliver`);
        await showDeliveries(endpoint);
      }))));
    fill(deliveries,
      h('h3', {}, t('webhooks.deliveries_of', { url: endpoint.url })),
      h('div', { class: 'table-wrap', tabindex: '0' }, h('table', {},
        h('thead', {}, h('tr', {}, ['audit.when', 'developers.event', 'knowledge.status', 'developers.attempts', 'developers.response', 'webhooks.actions']
          .map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 6 }, t('webhooks.no_deliveries')))))));
  }

  const row = (e) => h('tr', { 'data-endpoint': e.id },
    h('td', {}, e.url, e.description ? h('div', { class: 'muted small' }, e.description) : null),
    h('td', { class: 'small' }, e.events.join(', ')),
    h('td', {}, e.is_active ? t('assistants.active') : t('assistants.inactive'),
      e.disabled_reason ? h('div', { class: 'muted small' }, e.disabled_reason) : null),
    h('td', { class: 'actions' },
      act(t('webhooks.show_deliveries'), () => showDeliveries(e).then(() => false)), ' ',
      act(t('developers.rotate'), async () => {
        if (!confirm(t('webhooks.confirm_rotate', { url: e.url }))) return false;
        showSecret(await call('POST', `/webhooks/${e.id}/rotate-secret`));
      }), ' ',
      act(e.is_active ? t('webhooks.turn_off') : t('webhooks.turn_on'),
        () => call('PATCH', `/webhooks/${e.id}`, { is_active: !e.is_active })), ' ',
      act(t('knowledge.delete'), async () => {
        if (!confirm(t('webhooks.confirm_delete', { url: e.url }))) return false;
        await call('DELETE', `/webhooks/${e.id}`);
        fill(deliveries);
      })));

  async function load() {
    const page = await call('GET', '/webhooks/?limit=100');
    fill(body, page.items.length ? page.items.map(row)
      : h('tr', {}, h('td', { colspan: 4 }, t('webhooks.none'))));
  }

  const form = h('form', { id: 'endpoint-form' },
    h('label', { for: 'endpoint-url' }, t('webhooks.url')), url,
    h('label', { for: 'endpoint-description' }, t('webhooks.description')), about,
    h('fieldset', { class: 'checks' }, h('legend', {}, t('webhooks.events')),
      boxes.map((box) => h('label', { class: 'check' }, box, ' ', box.value))),
    h('button', { class: 'primary', type: 'submit' }, t('webhooks.create')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const events = boxes.filter((box) => box.checked).map((box) => box.value);
      const made = await call('POST', '/webhooks/', { url: url.value, events, description: about.value || null });
      showSecret(made);
      form.reset();
      await load();
    } catch (e) {
      error.textContent = e.message;
    }
  });

  load().catch((e) => { error.textContent = e.message; });

  return h('section', { class: 'card wide', 'aria-labelledby': 'endpoints-title' },
    h('h2', { id: 'endpoints-title' }, t('webhooks.title')),
    h('p', {}, t('webhooks.intro')),
    error, shown,
    h('div', { class: 'table-wrap', tabindex: '0' }, h('table', {},
      h('thead', {}, h('tr', {}, ['webhooks.url_column', 'webhooks.events', 'knowledge.status', 'webhooks.actions']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      body)),
    h('h3', {}, t('webhooks.new')), form, deliveries);
}
