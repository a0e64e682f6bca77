// What the list views share: filters kept in the address (reload, back and a shared link show
// the same list), and the links to the previous and next pages.
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';

export const PAGE = 50;

export function params() {
  return new URLSearchParams(location.search);
}

// A labelled control of a filter form; its `name` is the query parameter it sets.
export function labelled(id, label, control) {
  return h('div', {}, h('label', { for: id }, label), control);
}

export function choice(name, options, label) {
  const current = params().get(name);
  return h('select', { id: name, name },
    h('option', { value: '' }, t('list.any')),
    options.map(([value, text]) => h('option', { value, selected: value === current }, label ? label(text) : text)));
}

// A filter form: any change puts the named controls' values in the address, back on the
// first page, and calls `onChange()`.
export function filters(label, fields, onChange) {
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': label },
    fields, h('button', { type: 'submit' }, t('list.filter')));
  form.addEventListener('change', () => form.requestSubmit());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = params();
    next.delete('offset');
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.value) next.set(el.name, el.value); else next.delete(el.name);
    }
    history.replaceState(null, '', `${location.pathname}?${next}`);
    onChange();
  });
  return form;
}

// The API's `from` and `to` for the days chosen in the `from` and `to` fields, in the
// browser's time zone: from the start of the first day to the end of the last.
export function days(query) {
  const p = params();
  if (p.get('from')) query.set('from', new Date(`${p.get('from')}T00:00`).toISOString());
  if (p.get('to')) {
    const end = new Date(`${p.get('to')}T00:00`);
    end.setDate(end.getDate() + 1);
    query.set('to', end.toISOString());
  }
  return query;
}

// Draws the whole view anew from the address, as back and forward do (a filter that changes
// what every part of the view shows).
export function redraw() {
  dispatchEvent(new PopStateEvent('popstate'));
}

// `[from, to)` of the days chosen in the `from` and `to` fields (browser time), by default
// the last `days` days up to now; an end in the future is cut at now.
export function dayRange(days, now = new Date()) {
  const p = params();
  const from = p.get('from') ? new Date(`${p.get('from')}T00:00`) : new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1));
  let to = now;
  if (p.get('to')) {
    to = new Date(`${p.get('to')}T00:00`);
    to.setDate(to.getDate() + 1);
    if (to > now) to = now;
  }
  return { from, to };
}

export function dateField(name) {
  return h('input', { id: name, name, type: 'date', value: params().get(name) || '' });
}

// The query of the current page: `limit` and `offset`, and the named filters as they are.
export function pageQuery(names) {
  const p = params();
  const query = new URLSearchParams({ limit: String(PAGE), offset: p.get('offset') || '0' });
  for (const name of names) if (p.get(name)) query.set(name, p.get(name));
  return query;
}

// Fills `count` ("1–50 of 120") and `nav` (newer / older links) for a page of `list`.
export function paged(count, nav, list) {
  const offset = Number(params().get('offset') || 0);
  count.textContent = t('list.range', { first: list.total ? offset + 1 : 0, last: offset + list.items.length, total: list.total });
  const link = (to, label) => {
    const next = params();
    if (to) next.set('offset', String(to)); else next.delete('offset');
    return h('a', { href: `${location.pathname}?${next}`, 'data-route': '' }, label);
  };
  fill(nav,
    offset > 0 ? link(Math.max(0, offset - PAGE), t('list.newer')) : null, ' ',
    offset + PAGE < list.total ? link(offset + PAGE, t('list.older')) : null);
}

export function pager() {
  return h('nav', { class: 'pager', 'aria-label': t('list.pages') });
}
