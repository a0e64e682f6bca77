// Sign in with email and password; a wrong password, or the lockout after repeated failures,
// is said in words.
import { call, setCsrf } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

// What a failed sign-in says: the wait after repeated failures, or the server's reason.
export function failureText(e) {
  return e.code === 'sign_in_throttled' ? t('signin.throttled', { seconds: e.retryAfter || '' }) : e.message;
}

export function signIn({ onSignedIn }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const email = h('input', { id: 'email', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'card', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, t('signin.title')),
    h('label', { for: 'email' }, t('signin.email')), email,
    h('label', { for: 'password' }, t('signin.password')), password,
    error,
    h('button', { class: 'primary', type: 'submit' }, t('signin.submit')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const session = await call('POST', '/auth/login', { email: email.value, password: password.value });
      setCsrf(session.csrf_token);
      onSignedIn(session);
    } catch (e) {
      error.textContent = failureText(e);
      password.value = '';
      password.focus();
    }
  });
  queueMicrotask(() => email.focus());
  return form;
}
