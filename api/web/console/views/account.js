// The signed-in member: who, which organization and role, until when; signing out here or
// on every device.
import { call } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

export function account({ session, onSignedOut }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const signOut = (path) => async () => {
    try {
      await call('POST', path);
      onSignedOut();
    } catch (e) {
      error.textContent = e.message;
    }
  };
  const row = (label, value) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, value));
  return h('section', { 'aria-labelledby': 'account-title' },
    h('h1', { id: 'account-title' }, t('account.title')),
    h('div', { class: 'table-wrap', tabindex: '0' }, h('table', {},
      h('tbody', {},
        row(t('account.email'), session.member.email),
        row(t('account.role'), t(`role.${session.member.role}`)),
        row(t('account.org'), session.org_id),
        row(t('account.expires'), new Date(session.expires_at).toLocaleString())))),
    error,
    h('button', { type: 'button', id: 'sign-out', onclick: signOut('/auth/logout') }, t('account.signout')),
    ' ',
    h('button', { type: 'button', id: 'sign-out-everywhere', onclick: signOut('/auth/logout-everywhere') }, t('account.signout_all')));
}
