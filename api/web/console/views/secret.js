// A secret shown once, with a button that copies it.
import { h } from '../dom.js';
import { t } from '../i18n.js';

export function once(id, label, secret) {
  const done = h('span', { role: 'status', class: 'small' });
  const copy = h('button', { type: 'button', class: 'small', onclick: async () => {
    try {
      await navigator.clipboard.writeText(secret);
      done.textContent = t('secret.copied');
    } catch {
      done.textContent = t('secret.copy_failed');
    }
  } }, t('secret.copy'));
  return h('div', { class: 'card wide' },
    h('p', { class: 'notice' }, label),
    h('p', { class: 'secret', id }, secret),
    copy, ' ', done);
}
