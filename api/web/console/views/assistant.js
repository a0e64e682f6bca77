// One assistant: every field (a form for editors, text for viewers), activation, its version
// history with a side-by-side diff and rollback, and a chat to try it.
import { call } from '../api.js';
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { can } from '../roles.js';
import { FIELDS, editor, shown } from './assistant-fields.js';
import { tryIt } from './try-it.js';
import { versions } from './versions.js';

export function assistant({ session, id, href, navigate }) {
  const section = h('section', { 'aria-labelledby': 'assistant-title' },
    h('p', {}, h('a', { href: href('assistants'), 'data-route': '' }, t('assistant.back'))),
    h('h1', { id: 'assistant-title' }, t('loading')));
  const reload = () => navigate(`assistants/${id}`);

  (async () => {
    try {
      const [current, knowledge] = await Promise.all([
        call('GET', `/assistants/${encodeURIComponent(id)}`),
        call('GET', '/knowledge/?limit=100'),
      ]);
      const titles = Object.fromEntries(knowledge.items.map((k) => [k.id, k.title]));
      fill(section, section.firstChild,
        h('h1', { id: 'assistant-title' }, current.name),
        overview(current, session, reload),
        can(session, 'editor') ? form(current, knowledge.items, reload) : readOnly(current, titles),
        versions({ session, current, titles, reload }),
        can(session, 'editor') ? tryIt(current) : null);
    } catch (e) {
      fill(section, section.firstChild, h('h1', { id: 'assistant-title' }, t('assistants.title')),
        h('p', { class: 'error', role: 'alert' }, e.message));
    }
  })();
  return section;
}

// State and version, and (editors) the switch between active and inactive.
function overview(a, session, reload) {
  const error = h('span', { class: 'error', role: 'alert' });
  let toggle = null;
  if (can(session, 'editor')) {
    toggle = h('button', { type: 'button', id: 'toggle-active' },
      a.is_active ? t('assistant.deactivate') : t('assistant.activate'));
    toggle.addEventListener('click', async () => {
      try {
        await call('PATCH', `/assistants/${a.id}`, { is_active: !a.is_active });
        reload();
      } catch (e) {
        error.textContent = e.message;
      }
    });
  }
  return h('p', { id: 'assistant-state' },
    h('span', { class: a.is_active ? 'badge ok' : 'badge' }, a.is_active ? t('assistants.active') : t('assistants.inactive')),
    ' ', t('assistant.version_now', { version: a.version }), ' ', toggle, ' ', error);
}

function form(a, knowledge, reload) {
  const { controls, read } = editor(a, knowledge);
  const error = h('p', { class: 'error', role: 'alert' });
  const el = h('form', { class: 'card wide', id: 'assistant-form', 'aria-labelledby': 'settings-title' },
    h('h2', { id: 'settings-title' }, t('assistant.settings')),
    controls, error,
    h('button', { class: 'primary', type: 'submit' }, t('assistant.save')));
  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      await call('PATCH', `/assistants/${a.id}`, read());
      reload();
    } catch (e) {
      error.textContent = e.message;
    }
  });
  return el;
}

function readOnly(a, titles) {
  return h('section', { class: 'card wide', 'aria-labelledby': 'settings-title' },
    h('h2', { id: 'settings-title' }, t('assistant.settings')),
    h('table', {}, h('tbody', {}, FIELDS.map(([key]) => h('tr', {},
      h('th', { scope: 'row' }, t(`assistant.${key}`)),
      h('td', { class: 'pre' }, shown(a, key, titles)))))));
}
