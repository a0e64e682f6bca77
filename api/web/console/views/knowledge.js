// Knowledge: the items with filters kept in the address, their live processing state, retry /
// cancel / re-sync / delete (editors), the forms that add knowledge, and the search
// playground.
import { call } from '../api.js';
import { actionButtons, fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { can } from '../roles.js';
import { addForms } from './knowledge-add.js';
import { choice, filters, labelled, pageQuery, paged, pager, params } from './listing.js';
import { playground } from './playground.js';
import { RUNNING, jobsOf, poll, status } from './progress.js';

const TYPES = ['file', 'text', 'qa', 'url'];
const STATUSES = ['pending', 'processing', 'ready', 'failed'];
const FILTERS = ['type', 'status', 'assistant_id', 'q'];

export function knowledge({ session, href }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const notice = h('div', { role: 'status' });
  const body = h('tbody');
  const count = h('p', { class: 'muted', id: 'knowledge-total' });
  const nav = pager();
  const editor = can(session, 'editor');
  const assistants = call('GET', '/assistants/?limit=100').then((page) => page.items);
  let items = [];

  const assistant = choice('assistant_id', []);
  const form = filters(t('knowledge.filters'), [
    labelled('type', t('knowledge.type'), choice('type', TYPES.map((v) => [v, v]), (v) => t(`knowledge.type.${v}`))),
    labelled('status', t('knowledge.status'), choice('status', STATUSES.map((v) => [v, v]), (v) => t(`knowledge.status.${v}`))),
    labelled('assistant_id', t('knowledge.assistant'), assistant),
    labelled('q', t('knowledge.words'), h('input', { id: 'q', name: 'q', type: 'search', value: params().get('q') || '' })),
  ], () => load());

  async function load() {
    try {
      const page = await call('GET', `/knowledge/?${pageQuery(FILTERS)}`);
      items = page.items;
      const jobs = await jobsOf(items);
      paged(count, nav, page);
      fill(body, items.length ? items.map((i) => row(i, jobs[i.id]))
        : h('tr', {}, h('td', { colspan: 5 }, t('knowledge.none'))));
    } catch (e) {
      error.textContent = e.message;
    }
  }

  const act = actionButtons(error, async () => {
    await load();
    watch();
  });

  function actions(item) {
    if (!editor) return null;
    const list = [];
    if (item.type === 'url') list.push(act(t('knowledge.sync'), () => call('POST', `/knowledge/${item.id}/sync`)));
    else if (item.status === 'failed') list.push(act(t('knowledge.retry'), () => call('POST', '/knowledge/reindex', { knowledge_id: item.id })));
    if (RUNNING.includes(item.status) && item.job_id) {
      list.push(act(t('knowledge.cancel'), () => call('POST', `/jobs/${item.job_id}/cancel`)));
    }
    list.push(act(t('knowledge.delete'), async () => {
      if (!confirm(t('knowledge.confirm_delete', { title: item.title }))) return false;
      await call('DELETE', `/knowledge/${item.id}`);
      fill(notice, h('p', { class: 'notice' }, t('knowledge.deleted', { title: item.title })));
    }));
    return list;
  }

  const row = (item, job) => h('tr', { 'data-item': item.id },
    h('td', {}, h('a', { href: href(`knowledge/${item.id}`), 'data-route': '' }, item.title),
      item.source && item.source !== item.title ? h('div', { class: 'muted small' }, item.source) : null),
    h('td', {}, t(`knowledge.type.${item.type}`)),
    h('td', { class: 'status' }, status(item, job)),
    h('td', {}, item.chunk_count),
    h('td', { class: 'actions' }, actions(item)));

  const busy = () => items.some((i) => RUNNING.includes(i.status));
  let watching = false;
  function watch() {
    if (watching) return;
    watching = true;
    poll(section, () => busy() || (watching = false), load);
  }

  const section = h('section', { 'aria-labelledby': 'knowledge-title' },
    h('h1', { id: 'knowledge-title' }, t('knowledge.title')),
    form, error, notice, count,
    h('div', { class: 'table-wrap', tabindex: '0' }, h('table', {},
      h('thead', {}, h('tr', {},
        ['knowledge.item', 'knowledge.type', 'knowledge.status', 'knowledge.chunks', 'list.actions']
          .map((k) => h('th', { scope: 'col' }, t(k))))),
      body)),
    nav,
    editor ? addForms({ onAdded: async () => { await load(); watch(); } }) : null,
    playground(assistants));

  const chosen = params().get('assistant_id');
  assistants.then((list) => assistant.append(...list.map((a) => h('option', { value: a.id, selected: a.id === chosen }, a.name))))
    .catch((e) => { error.textContent = e.message; });
  load().then(watch);
  return section;
}
