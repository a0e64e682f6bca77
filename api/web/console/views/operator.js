// The platform operator's console (`/dashboard/operator`): signed in with the operator token,
// every organization with its usage over a date range, its hourly limit and daily quota, and
// a form that creates an organization (its first credentials shown once).
import { call, setCsrf } from '../api.js';
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { number } from './charts.js';
import { dateField, dayRange, filters, labelled, paged, pager, params, PAGE, redraw } from './listing.js';
import { once } from './secret.js';
import { failureText } from './signin.js';

// The operator token, exchanged for an `HttpOnly` session cookie.
export function operatorSignIn({ onSignedIn }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const token = h('input', { id: 'operator-token', type: 'password', name: 'token', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'card', 'aria-labelledby': 'operator-signin-title' },
    h('h1', { id: 'operator-signin-title' }, t('operator.signin')),
    h('p', { class: 'muted' }, t('operator.signin_hint')),
    h('label', { for: 'operator-token' }, t('operator.token')), token,
    error,
    h('button', { class: 'primary', type: 'submit' }, t('signin.submit')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const session = await call('POST', '/auth/operator/login', { token: token.value });
      setCsrf(session.csrf_token);
      onSignedIn(session);
    } catch (e) {
      error.textContent = failureText(e);
      token.value = '';
      token.focus();
    }
  });
  queueMicrotask(() => token.focus());
  return form;
}

// A limit field: empty means the server's default.
const limitField = (id, value, custom, label) => h('input', {
  id, type: 'number', min: 1, step: 1, value: custom ? String(value) : '', placeholder: String(value), 'aria-label': label,
});
const limitValue = (input) => (input.value.trim() === '' ? null : Number(input.value));

export function organizations() {
  const error = h('p', { class: 'error', role: 'alert' });
  const notice = h('div', { role: 'status' });
  const body = h('tbody');
  const count = h('p', { class: 'muted', id: 'orgs-total' });
  const nav = pager();
  const { from, to } = dayRange(30);
  const span = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
  const form = filters(t('analytics.range'), [
    labelled('from', t('conversations.from'), dateField('from')),
    labelled('to', t('conversations.to'), dateField('to')),
  ], redraw);

  function row(u) {
    const o = u.organization;
    const hour = limitField(`hour-${o.id}`, o.rate_limit_per_hour, o.rate_limit_is_custom, t('operator.hourly_of', { name: o.name }));
    const day = limitField(`day-${o.id}`, o.rate_limit_per_day, o.rate_limit_per_day_is_custom, t('operator.daily_of', { name: o.name }));
    const save = async () => {
      error.textContent = '';
      try {
        const saved = await call('PATCH', `/admin/orgs/${encodeURIComponent(o.id)}`,
          { rate_limit_per_hour: limitValue(hour), rate_limit_per_day: limitValue(day) });
        fill(notice, h('p', { class: 'notice' }, t('operator.saved', { name: saved.name, hour: number(saved.rate_limit_per_hour), day: number(saved.rate_limit_per_day) })));
      } catch (e) {
        error.textContent = e.message;
      }
    };
    return h('tr', { 'data-org': o.id },
      h('td', {}, o.name, h('div', { class: 'muted small' }, o.id)),
      h('td', { 'data-usage': 'requests' }, number(u.requests)),
      h('td', { 'data-usage': 'errors' }, number(u.errors)),
      h('td', { 'data-usage': 'conversations' }, number(u.conversations)),
      h('td', { 'data-usage': 'messages' }, number(u.messages)),
      h('td', { 'data-usage': 'knowledge_items' }, number(u.knowledge_items)),
      h('td', { 'data-usage': 'knowledge_chunks' }, number(u.knowledge_chunks)),
      h('td', {}, hour),
      h('td', {}, day),
      h('td', { class: 'actions' }, h('button', { type: 'button', class: 'small', 'data-save': o.id, onclick: save }, t('operator.save'))));
  }

  async function load() {
    try {
      const query = new URLSearchParams(span);
      query.set('limit', String(PAGE));
      query.set('offset', params().get('offset') || '0');
      const report = await call('GET', `/admin/usage/?${query}`);
      paged(count, nav, report);
      fill(body, report.items.length ? report.items.map(row)
        : h('tr', {}, h('td', { colspan: 10 }, t('operator.none'))));
    } catch (e) {
      error.textContent = e.message;
    }
  }
  load();

  const name = h('input', { id: 'org-name', name: 'name', required: true, maxlength: 200 });
  const newHour = h('input', { id: 'org-hour', type: 'number', min: 1, step: 1 });
  const newDay = h('input', { id: 'org-day', type: 'number', min: 1, step: 1 });
  const created = h('div', { id: 'org-created' });
  const create = h('form', { class: 'card', 'aria-labelledby': 'org-create-title' },
    h('h2', { id: 'org-create-title' }, t('operator.create')),
    h('label', { for: 'org-name' }, t('operator.name')), name,
    h('div', { class: 'pair' },
      h('div', {}, h('label', { for: 'org-hour' }, t('operator.hourly')), newHour),
      h('div', {}, h('label', { for: 'org-day' }, t('operator.daily')), newDay)),
    h('button', { type: 'submit', class: 'primary' }, t('operator.create_submit')));
  create.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const body = { name: name.value };
      if (limitValue(newHour) != null) body.rate_limit_per_hour = limitValue(newHour);
      if (limitValue(newDay) != null) body.rate_limit_per_day = limitValue(newDay);
      const org = await call('POST', '/admin/orgs/', body);
      fill(created,
        h('p', {}, t('operator.created', { name: org.organization.name, id: org.organization.id })),
        once('production-secret', t('operator.credentials', { environment: t('env.production'), client: org.production.client_id }), org.production.client_secret),
        once('sandbox-secret', t('operator.credentials', { environment: t('env.sandbox'), client: org.sandbox.client_id }), org.sandbox.client_secret));
      create.reset();
      load();
    } catch (e) {
      error.textContent = e.message;
    }
  });

  const heads = ['operator.organization', 'home.requests', 'operator.errors', 'home.conversations', 'analytics.questions_label',
    'home.knowledge', 'operator.chunks', 'operator.hourly', 'operator.daily', 'list.actions'];
  return h('section', { 'aria-labelledby': 'operator-title', id: 'operator', 'data-from': span.get('from'), 'data-to': span.get('to') },
    h('h1', { id: 'operator-title' }, t('operator.title')),
    form, error, notice, count,
    h('div', { class: 'table-wrap', tabindex: '0' }, h('table', {},
      h('thead', {}, h('tr', {}, heads.map((k) => h('th', { scope: 'col' }, t(k))))),
      body)),
    nav,
    h('p', { class: 'muted small' }, t('operator.limits_hint')),
    create, created);
}
