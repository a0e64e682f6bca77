// The console's shell: who is signed in, the production / sandbox switch, the language, the
// views this member may open, and the router. The URL holds the state (view and
// environment), so reload, back and a shared link all work.
import { ApiError, call, environment, setCsrf } from './api.js';
import { fill, h } from './dom.js';
import { LANGUAGES, language, languageName, setLanguage, t } from './i18n.js';
import { can } from './roles.js';
import { accept } from './views/accept.js';
import { account } from './views/account.js';
import { analytics } from './views/analytics.js';
import { assistant } from './views/assistant.js';
import { assistants } from './views/assistants.js';
import { audit } from './views/audit.js';
import { conversation } from './views/conversation.js';
import { conversations } from './views/conversations.js';
import { developers } from './views/developers.js';
import { home } from './views/home.js';
import { knowledge } from './views/knowledge.js';
import { knowledgeItem } from './views/knowledge-item.js';
import { members } from './views/members.js';
import { operatorSignIn, organizations } from './views/operator.js';
import { sandbox } from './views/sandbox.js';
import { signIn } from './views/signin.js';

const ROOT = '/dashboard/';
const app = document.getElementById('app');

// The views of the shell: first path segment under /dashboard/, label, who may open it, and
// the view of one item (`<path>/<id>`) where there is one.
const VIEWS = [
  { path: '', label: 'nav.home', render: home, allowed: () => true },
  { path: 'assistants', label: 'nav.assistants', render: assistants, item: assistant, allowed: () => true },
  { path: 'knowledge', label: 'nav.knowledge', render: knowledge, item: knowledgeItem, allowed: () => true },
  { path: 'conversations', label: 'nav.conversations', render: conversations, item: conversation, allowed: () => true },
  { path: 'analytics', label: 'nav.analytics', render: analytics, allowed: () => true },
  { path: 'developers', label: 'nav.developers', render: developers, allowed: () => true },
  { path: 'audit', label: 'nav.audit', render: audit, allowed: () => true },
  { path: 'sandbox', label: 'nav.sandbox', render: sandbox, allowed: (s) => can(s, 'admin') },
  { path: 'members', label: 'nav.members', render: members, allowed: (s) => can(s, 'owner') },
  { path: 'account', label: 'nav.account', render: account, allowed: () => true },
];

function route() {
  return location.pathname.startsWith(ROOT) ? location.pathname.slice(ROOT.length).replace(/\/$/, '') : '';
}

// A link inside the console, keeping the environment.
function href(path) {
  const env = environment() === 'sandbox' ? '?env=sandbox' : '';
  return `${ROOT}${path}${env}`;
}

function go(url) {
  history.pushState(null, '', url);
  render();
}

function header(session) {
  const env = h('select', { id: 'environment', 'aria-label': t('env.label') },
    ['production', 'sandbox'].map((e) => h('option', { value: e, selected: e === session.environment }, t(`env.${e}`))));
  env.addEventListener('change', () => {
    const params = new URLSearchParams(location.search);
    if (env.value === 'sandbox') params.set('env', 'sandbox'); else params.delete('env');
    const query = params.toString();
    go(`${location.pathname}${query ? `?${query}` : ''}`);
  });
  return h('header', { class: 'top' },
    h('span', { class: 'brand' }, t('app.name')),
    env,
    languageSwitch(),
    h('span', { class: 'muted', id: 'who' }, session.member.email));
}

function languageSwitch() {
  const select = h('select', { id: 'language', 'aria-label': t('lang.label') },
    Object.keys(LANGUAGES).map((code) => h('option', { value: code, selected: code === language(), lang: code }, languageName(code))));
  select.addEventListener('change', () => {
    setLanguage(select.value);
    render();
  });
  return select;
}

function shell(session) {
  const [current, id] = route().split('/');
  const views = VIEWS.filter((v) => v.allowed(session));
  const view = views.find((v) => v.path === current) || views[0];
  const render = id && view.item ? view.item : view.render;
  const nav = h('nav', { class: 'views', 'aria-label': t('nav.label') },
    h('ul', {}, views.map((v) => h('li', {},
      h('a', { href: href(v.path), 'aria-current': v === view ? 'page' : null, 'data-route': '' }, t(v.label))))));
  const main = h('main', { id: 'main', tabindex: '-1' },
    render({ session, id: id && decodeURIComponent(id), href, navigate: (path) => go(href(path)), onSignedOut: () => go(`${ROOT}sign-in`) }));
  const sandbox = session.environment === 'sandbox'
    ? h('div', { class: 'sandbox-banner', role: 'note' }, t('env.banner'))
    : null;
  document.body.classList.toggle('sandbox', session.environment === 'sandbox');
  fill(app, header(session), sandbox, nav, main);
}

function signedOut(view) {
  document.body.classList.remove('sandbox');
  const after = () => go(route() === 'sign-in' || route() === 'accept' ? ROOT : location.href);
  fill(app,
    h('header', { class: 'top' }, h('span', { class: 'brand' }, t('app.name')), languageSwitch()),
    h('main', { id: 'main', tabindex: '-1' }, view({ onSignedIn: after })));
}

// The platform operator's console: its own sign-in (the operator token) and shell.
async function renderOperator() {
  document.body.classList.remove('sandbox');
  const brand = h('span', { class: 'brand' }, t('app.name'));
  // The operator's table of organizations is wide: the whole window.
  const main = (view) => h('main', { id: 'main', tabindex: '-1', class: 'wide' }, view);
  try {
    const session = await call('GET', '/auth/operator/me');
    setCsrf(session.csrf_token);
    const signOut = h('button', { type: 'button', id: 'operator-sign-out', class: 'small' }, t('account.signout'));
    signOut.addEventListener('click', async () => {
      try { await call('POST', '/auth/operator/logout'); } catch { /* signed out already */ }
      render();
    });
    fill(app, h('header', { class: 'top' }, brand, h('span', { class: 'badge warn', id: 'operator-badge' }, t('operator.badge')),
      languageSwitch(), signOut), main(organizations()));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      fill(app, h('header', { class: 'top' }, brand, languageSwitch()), main(operatorSignIn({ onSignedIn: render })));
    } else {
      fill(app, h('p', { class: 'error', role: 'alert' }, t('error.generic', { detail: e.message })));
    }
  }
}

async function render() {
  document.documentElement.lang = language();
  document.title = t('app.name');
  if (route() === 'accept') {
    signedOut(accept);
    return;
  }
  if (route().split('/')[0] === 'operator') {
    await renderOperator();
    return;
  }
  try {
    const session = await call('GET', '/auth/me');
    setCsrf(session.csrf_token);
    if (route() === 'sign-in') {
      history.replaceState(null, '', href(''));
    }
    shell(session);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      signedOut(signIn);
    } else {
      fill(app, h('p', { class: 'error', role: 'alert' }, t('error.generic', { detail: e.message })));
    }
  }
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-route]');
  if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  go(link.getAttribute('href'));
});
window.addEventListener('popstate', render);
render();
