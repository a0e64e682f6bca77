// Accepting an invitation: the token comes in the link's fragment (never sent to a server);
// choosing a password signs the person in.
import { call, setCsrf } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

export function accept({ onSignedIn }) {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!token) return h('p', { class: 'error', role: 'alert' }, t('accept.missing'));
  const error = h('p', { class: 'error', role: 'alert' });
  const password = h('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', minlength: '10', required: true });
  const form = h('form', { class: 'card', 'aria-labelledby': 'accept-title' },
    h('h1', { id: 'accept-title' }, t('accept.title')),
    h('p', {}, t('accept.intro')),
    h('label', { for: 'new-password' }, t('accept.password')), password,
    error,
    h('button', { class: 'primary', type: 'submit' }, t('accept.submit')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const session = await call('POST', '/auth/accept-invitation', { token, password: password.value });
      setCsrf(session.csrf_token);
      history.replaceState(null, '', '/dashboard/');
      onSignedIn(session);
    } catch (e) {
      error.textContent = e.message;
      password.focus();
    }
  });
  queueMicrotask(() => password.focus());
  return form;
}
