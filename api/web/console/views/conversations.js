// Conversations: filtered by assistant, dates and rating (the filters stay in the address),
// newest first, a page at a time.
import { call } from '../api.js';
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { choice, dateField, days, filters, labelled, pageQuery, paged, pager } from './listing.js';

export function conversations({ href }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const body = h('tbody');
  const count = h('p', { class: 'muted', id: 'conversations-total' });
  const nav = pager();
  const names = {};
  const assistant = choice('assistant_id', []);
  const form = filters(t('conversations.filters'), [
    labelled('assistant_id', t('knowledge.assistant'), assistant),
    labelled('from', t('conversations.from'), dateField('from')),
    labelled('to', t('conversations.to'), dateField('to')),
    labelled('rating', t('conversations.rating'),
      choice('rating', ['5', '4', '3', '2', '1'].map((r) => [r, r]), (r) => t('conversations.stars', { rating: r }))),
  ], load);

  async function load() {
    try {
      const list = await call('GET', `/conversations/?${days(pageQuery(['assistant_id', 'rating']))}`);
      paged(count, nav, list);
      fill(body, list.items.length ? list.items.map(row)
        : h('tr', {}, h('td', { colspan: 5 }, t('conversations.none'))));
    } catch (e) {
      error.textContent = e.message;
    }
  }

  const row = (c) => h('tr', { 'data-conversation': c.id },
    h('td', {}, h('a', { href: href(`conversations/${c.id}`), 'data-route': '' }, new Date(c.created_at).toLocaleString())),
    h('td', { 'data-assistant': c.assistant_id }, names[c.assistant_id] || c.assistant_id),
    h('td', {}, c.user_id || c.visitor_id),
    h('td', {}, c.message_count),
    h('td', {}, new Date(c.last_message_at).toLocaleString()));

  // Assistants by name, in the filter and in the rows already shown.
  const chosen = new URLSearchParams(location.search).get('assistant_id');
  call('GET', '/assistants/?limit=100').then((list) => {
    for (const a of list.items) {
      names[a.id] = a.name;
      assistant.append(h('option', { value: a.id, selected: a.id === chosen }, a.name));
    }
    for (const cell of body.querySelectorAll('td[data-assistant]')) {
      cell.textContent = names[cell.dataset.assistant] || cell.dataset.assistant;
    }
  }).catch((e) => { error.textContent = e.message; });
  load();

  return h('section', { 'aria-labelledby': 'conversations-title' },
    h('h1', { id: 'conversations-title' }, t('conversations.title')),
    form, error, count,
    h('div', { class: 'table-wrap', tabindex: '0' }, h('table', {},
      h('thead', {}, h('tr', {},
        ['conversations.started', 'knowledge.assistant', 'conversations.visitor', 'conversations.messages', 'conversations.last']
          .map((k) => h('th', { scope: 'col' }, t(k))))),
      body)),
    nav);
}
