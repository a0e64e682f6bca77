// The audit log: every change in this organization and environment (who, what, which
// resource, the fields before and after), newest first, filtered by resource, action and days.
import { call } from '../api.js';
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { choice, dateField, days, filters, labelled, pageQuery, paged, pager, params } from './listing.js';

const RESOURCES = ['assistant', 'knowledge', 'job', 'session', 'context', 'client', 'member',
  'alert_webhook', 'organization', 'sandbox'];

function actor(a) {
  if (a.type === 'client') return `${t('audit.actor.client')} ${a.client_id || ''}`;
  if (a.type === 'member') return `${t('audit.actor.member')} ${a.member_id || ''}`;
  return t(`audit.actor.${a.type}`, {}, a.type);
}

// `{"field": {"from": .., "to": ..}}` as one line per field.
function changes(c) {
  if (!c || typeof c !== 'object') return '—';
  const show = (v) => (v === undefined ? '—' : JSON.stringify(v));
  return Object.entries(c).map(([field, v]) => (v && typeof v === 'object' && ('from' in v || 'to' in v)
    ? `${field}: ${show(v.from)} → ${show(v.to)}`
    : `${field}: ${JSON.stringify(v)}`)).join('\n');
}

export function audit() {
  const error = h('p', { class: 'error', role: 'alert' });
  const body = h('tbody');
  const count = h('p', { class: 'muted', id: 'audit-total' });
  const nav = pager();
  const form = filters(t('audit.filters'), [
    labelled('resource_type', t('audit.resource'), choice('resource_type', RESOURCES.map((r) => [r, r]))),
    labelled('action', t('audit.action'), h('input', { id: 'action', name: 'action', value: params().get('action') || '', placeholder: 'assistant.updated' })),
    labelled('from', t('conversations.from'), dateField('from')),
    labelled('to', t('conversations.to'), dateField('to')),
  ], load);

  async function load() {
    try {
      const list = await call('GET', `/audit-logs/?${days(pageQuery(['resource_type', 'action']))}`);
      paged(count, nav, list);
      fill(body, list.items.length ? list.items.map((e) => h('tr', { 'data-entry': e.id },
        h('td', {}, new Date(e.time).toLocaleString()),
        h('td', {}, actor(e.actor)),
        h('td', {}, e.action),
        h('td', {}, e.resource_type, h('div', { class: 'muted small' }, e.resource_id)),
        h('td', { class: 'pre small' }, changes(e.changes))))
        : h('tr', {}, h('td', { colspan: 5 }, t('audit.none'))));
    } catch (e) {
      error.textContent = e.message;
    }
  }
  load();

  return h('section', { 'aria-labelledby': 'audit-title' },
    h('h1', { id: 'audit-title' }, t('audit.title')),
    form, error, count,
    h('div', { class: 'table-wrap', tabindex: '0' }, h('table', {},
      h('thead', {}, h('tr', {}, ['audit.when', 'audit.who', 'audit.action', 'audit.resource', 'audit.changes']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      body)),
    nav);
}
