// The search playground: what retrieval returns for a question, within one assistant's
// scope and settings or over all knowledge, with each passage's score and retrievers.
import { call } from '../api.js';
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';

export function playground(assistants) {
  const error = h('p', { class: 'error', role: 'alert' });
  const results = h('div', { id: 'search-results', 'aria-live': 'polite' });
  const scope = h('select', { id: 'search-assistant' }, h('option', { value: '' }, t('search.all')));
  assistants.then((list) => scope.append(...list.map((a) => h('option', { value: a.id }, a.name))))
    .catch(() => {});
  const query = h('input', { id: 'search-query', type: 'search', required: true });
  const topK = h('input', { id: 'search-top-k', type: 'number', min: '1', max: '50', step: '1' });

  const form = h('form', { class: 'card wide', 'aria-labelledby': 'search-title', role: 'search' },
    h('h2', { id: 'search-title' }, t('search.title')),
    h('p', { class: 'muted' }, t('search.intro')),
    h('label', { for: 'search-query' }, t('search.query')), query,
    h('div', { class: 'pair' },
      h('div', {}, h('label', { for: 'search-assistant' }, t('search.assistant')), scope),
      h('div', {}, h('label', { for: 'search-top-k' }, t('search.top_k')), topK)),
    h('button', { class: 'primary', type: 'submit' }, t('search.submit')),
    error, results);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const body = { query: query.value };
    if (scope.value) body.assistant_id = scope.value;
    if (topK.value) body.top_k = Number(topK.value);
    try {
      const found = await call('POST', '/knowledge/search', body);
      fill(results,
        h('p', { class: 'muted', id: 'search-applied' }, t('search.applied', { count: found.total, top_k: found.top_k, min_score: found.min_score })),
        found.items.length ? h('ol', { class: 'hits' }, found.items.map((hit) => h('li', { 'data-knowledge': hit.knowledge_id },
          h('strong', {}, hit.title), ' ',
          h('span', { class: 'badge' }, `${t('search.score')} ${hit.score.toFixed(3)}`), ' ',
          h('span', { class: 'muted small' }, hit.retrievers.map((r) => t(`search.retriever.${r}`)).join(' + ')),
          hit.source ? h('div', { class: 'muted small' }, hit.source) : null,
          h('div', { class: 'snippet' }, hit.snippet))))
          : h('p', {}, t('search.nothing')));
    } catch (e) {
      error.textContent = e.message;
    }
  });
  return form;
}
