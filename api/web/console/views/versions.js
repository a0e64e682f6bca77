// An assistant's version history: every version with what it changed, two versions side by
// side with their differences marked (in words, not colour alone), and (editors) rollback,
// which makes a new version equal to an old one.
import { call } from '../api.js';
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { can } from '../roles.js';
import { FIELDS, shown } from './assistant-fields.js';

export function versions({ session, current, titles, reload }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const history = h('tbody');
  const left = h('select', { id: 'diff-left' });
  const right = h('select', { id: 'diff-right' });
  const diff = h('div', { class: 'table-wrap', id: 'diff', tabindex: '0' });
  let all = [];

  function compare() {
    const a = all.find((v) => v.version === Number(left.value));
    const b = all.find((v) => v.version === Number(right.value));
    if (!a || !b) return;
    const rows = FIELDS.map(([key]) => {
      const before = shown(a.config, key, titles);
      const after = shown(b.config, key, titles);
      const changed = before !== after;
      return h('tr', { class: changed ? 'changed' : null, 'data-field': key },
        h('th', { scope: 'row' }, t(`assistant.${key}`),
          changed ? h('span', { class: 'badge warn' }, t('versions.changed')) : null),
        h('td', { class: 'pre' }, before), h('td', { class: 'pre' }, after));
    });
    fill(diff, h('table', {},
      h('caption', {}, t('versions.caption', { a: a.version, b: b.version })),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('versions.field')),
        h('th', { scope: 'col' }, t('versions.version', { version: a.version })),
        h('th', { scope: 'col' }, t('versions.version', { version: b.version })))),
      h('tbody', {}, rows)));
  }

  function rollback(version) {
    const button = h('button', { type: 'button', 'data-rollback': version },
      t('versions.rollback', { version }));
    button.addEventListener('click', async () => {
      if (!confirm(t('versions.confirm', { version }))) return;
      try {
        await call('POST', `/assistants/${current.id}/rollback`, { version });
        reload();
      } catch (e) {
        error.textContent = e.message;
      }
    });
    return button;
  }

  const row = (v) => h('tr', { 'data-version': v.version },
    h('td', {}, v.version),
    h('td', {}, new Date(v.created_at).toLocaleString()),
    h('td', {}, v.rolled_back_from
      ? t('versions.restored', { version: v.rolled_back_from })
      : v.changed_fields.map((f) => t(`assistant.${f}`, {}, f)).join(', ') || t('versions.first')),
    h('td', {}, v.version !== current.version && can(session, 'editor') ? rollback(v.version) : null));

  (async () => {
    try {
      const page = await call('GET', `/assistants/${current.id}/versions?limit=100`);
      all = page.items;
      fill(history, all.map(row));
      const option = (v) => h('option', { value: v.version }, t('versions.version', { version: v.version }));
      fill(left, all.map(option));
      fill(right, all.map(option));
      right.value = String(all[0].version);
      left.value = String((all[1] || all[0]).version);
      compare();
    } catch (e) {
      error.textContent = e.message;
    }
  })();
  left.addEventListener('change', compare);
  right.addEventListener('change', compare);

  return h('section', { class: 'card wide', 'aria-labelledby': 'versions-title' },
    h('h2', { id: 'versions-title' }, t('versions.title')),
    error,
    h('div', { class: 'table-wrap', tabindex: '0' }, h('table', {},
      h('thead', {}, h('tr', {},
        ['versions.number', 'versions.when', 'versions.what', 'list.actions']
          .map((k) => h('th', { scope: 'col' }, t(k))))),
      history)),
    h('h3', {}, t('versions.compare')),
    h('div', { class: 'pair' },
      h('div', {}, h('label', { for: 'diff-left' }, t('versions.left')), left),
      h('div', {}, h('label', { for: 'diff-right' }, t('versions.right')), right)),
    diff);
}
