// Assistants: the list, and (editors and above) a new assistant by name; every other field
// is set on the assistant's own page, which the new one opens.
import { call } from '../api.js';
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { can } from '../roles.js';

export function assistants({ session, href, navigate }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const body = h('tbody');

  async function load() {
    try {
      const page = await call('GET', '/assistants/?limit=100');
      fill(body, page.items.length ? page.items.map(row) : h('tr', {}, h('td', { colspan: 5 }, t('assistants.none'))));
    } catch (e) {
      error.textContent = e.message;
    }
  }

  const row = (a) => h('tr', { 'data-assistant': a.id },
    h('td', {}, h('a', { href: href(`assistants/${a.id}`), 'data-route': '' }, a.name)),
    h('td', {}, a.is_active ? t('assistants.active') : t('assistants.inactive')),
    h('td', {}, a.language),
    h('td', {}, a.version),
    h('td', {}, new Date(a.updated_at).toLocaleString()));

  let create = null;
  if (can(session, 'editor')) {
    const name = h('input', { id: 'new-assistant-name', required: true, maxlength: '200' });
    create = h('form', { class: 'card', 'aria-labelledby': 'new-assistant-title' },
      h('h2', { id: 'new-assistant-title' }, t('assistants.new')),
      h('label', { for: 'new-assistant-name' }, t('assistant.name')), name,
      h('button', { class: 'primary', type: 'submit' }, t('assistants.create')));
    create.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      try {
        const made = await call('POST', '/assistants/', { name: name.value });
        navigate(`assistants/${made.id}`);
      } catch (e) {
        error.textContent = e.message;
      }
    });
  }

  load();
  return h('section', { 'aria-labelledby': 'assistants-title' },
    h('h1', { id: 'assistants-title' }, t('assistants.title')),
    error,
    h('div', { class: 'table-wrap', tabindex: '0' }, h('table', {},
      h('thead', {}, h('tr', {},
        ['assistant.name', 'assistants.state', 'assistant.language', 'assistants.version', 'assistants.updated']
          .map((k) => h('th', { scope: 'col' }, t(k))))),
      body)),
    create);
}
