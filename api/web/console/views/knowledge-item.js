// One knowledge item: what it is and where its processing stands (live), its summary and
// keywords, a Q&A's edit form, a URL's crawl bounds and pages, and its chunks.
import { call } from '../api.js';
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { can } from '../roles.js';
import { qaFields, readQa } from './knowledge-add.js';
import { RUNNING, jobsOf, poll, status } from './progress.js';

const when = (v) => (v ? new Date(v).toLocaleString() : '—');
const row = (label, ...value) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, ...value));

function facts(item, job) {
  const rows = [
    row(t('knowledge.type'), t(`knowledge.type.${item.type}`)),
    row(t('knowledge.status'), status(item, job)),
    row(t('knowledge.source'), item.source || '—'),
    row(t('knowledge.chunks'), item.chunk_count),
    row(t('knowledge.version'), item.version),
    row(t('knowledge.keywords'), item.keywords.join(', ') || '—'),
    row(t('knowledge.summary'), item.summary || '—'),
    row(t('knowledge.updated'), when(item.updated_at)),
  ];
  if (item.type === 'url') {
    const c = item.crawl || {};
    rows.push(
      row(t('knowledge.bounds'), t('knowledge.bounds_value', { depth: c.max_depth, pages: c.max_pages })),
      row(t('knowledge.refresh'), item.refresh_interval_hours ? t('knowledge.every', { hours: item.refresh_interval_hours }) : t('knowledge.on_demand')),
      row(t('knowledge.last_synced'), when(item.last_synced_at)),
      row(t('knowledge.next_sync'), when(item.next_sync_at)));
    if (item.sync_changes) {
      rows.push(row(t('knowledge.changes'), t('knowledge.changes_value', item.sync_changes)));
    }
  }
  return h('div', { class: 'table-wrap', tabindex: '0' }, h('table', { id: 'item-facts' }, h('tbody', {}, rows)));
}

function qaEditor(item, reload) {
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card wide', id: 'edit-qa', 'aria-labelledby': 'edit-qa-title' },
    h('h2', { id: 'edit-qa-title' }, t('knowledge.edit_qa')), qaFields(item), error,
    h('button', { class: 'primary', type: 'submit' }, t('knowledge.save')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await call('PATCH', `/knowledge/qas/${item.id}`, readQa(form));
      reload();
    } catch (e) {
      error.textContent = e.message;
    }
  });
  return form;
}

function pages(list) {
  return h('section', { class: 'card wide', 'aria-labelledby': 'pages-title' },
    h('h2', { id: 'pages-title' }, t('knowledge.pages', { count: list.total })),
    h('div', { class: 'table-wrap', tabindex: '0' }, h('table', { id: 'item-pages' },
      h('thead', {}, h('tr', {}, ['knowledge.page', 'knowledge.status', 'knowledge.chunks', 'knowledge.fetched']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, list.items.map((p) => h('tr', {},
        h('td', {}, p.title || p.url, p.title ? h('div', { class: 'muted small' }, p.url) : null),
        h('td', {}, t(`knowledge.page.${p.status}`), p.reason ? h('div', { class: 'muted small' }, p.reason) : null),
        h('td', {}, p.chunk_count),
        h('td', {}, when(p.last_fetched_at))))))));
}

function chunks(list) {
  return h('section', { class: 'card wide', 'aria-labelledby': 'chunks-title' },
    h('h2', { id: 'chunks-title' }, t('knowledge.chunk_list', { shown: list.items.length, count: list.total })),
    h('ol', { class: 'chunks', id: 'item-chunks' }, list.items.map((c) => h('li', {},
      c.heading ? h('strong', {}, c.heading) : null,
      h('div', { class: 'snippet' }, c.content),
      h('div', { class: 'muted small' }, t('knowledge.tokens', { count: c.token_count }))))));
}

export function knowledgeItem({ session, id, href, navigate }) {
  const back = h('p', {}, h('a', { href: href('knowledge'), 'data-route': '' }, t('knowledge.back')));
  const section = h('section', { 'aria-labelledby': 'item-title' }, back,
    h('h1', { id: 'item-title' }, t('loading')));
  const reload = () => navigate(`knowledge/${id}`);
  let item = null;

  async function load() {
    // A refresh while someone types in the Q&A form would wipe what they typed: wait.
    if (item && document.activeElement && document.activeElement.form && section.contains(document.activeElement)) return;
    try {
      const path = `/knowledge/${encodeURIComponent(id)}`;
      item = await call('GET', path);
      const [jobs, chunkList, pageList] = await Promise.all([
        jobsOf([item]),
        call('GET', `${path}/chunks?limit=100`),
        item.type === 'url' ? call('GET', `${path}/pages?limit=100`) : null,
      ]);
      fill(section, back, h('h1', { id: 'item-title' }, item.title),
        facts(item, jobs[item.id]),
        item.type === 'qa' && can(session, 'editor') ? qaEditor(item, reload) : null,
        pageList ? pages(pageList) : null,
        chunks(chunkList));
    } catch (e) {
      fill(section, back, h('h1', { id: 'item-title' }, t('knowledge.title')),
        h('p', { class: 'error', role: 'alert' }, e.message));
    }
  }
  load().then(() => poll(section, () => item && RUNNING.includes(item.status), load));
  return section;
}
