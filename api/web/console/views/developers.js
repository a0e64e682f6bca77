// Developers: the organization's API clients (OAuth applications: create, with the secret
// shown once; allowed origins; rotate the secret; deactivate; delete), the widget's snippet
// for a chosen client and assistant with a live preview, the event webhooks, the alert webhook,
// and the API docs.
import { call } from '../api.js';
import { actionButtons, fill, h, lines } from '../dom.js';
import { t } from '../i18n.js';
import { can } from '../roles.js';
import { alerts } from './alerts.js';
import { once } from './secret.js';
import { webhooks } from './webhooks.js';

function clients({ admin, onChange }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const shown = h('div', { id: 'client-secret-box' });
  const body = h('tbody');

  const act = actionButtons(error, () => load());

  function origins(c) {
    const field = h('textarea', { id: `origins-${c.id}`, rows: 2, 'aria-label': t('developers.origins_of', { name: c.name }) },
      c.allowed_origins.join('\n'));
    return [field, act(t('developers.save_origins'), () => call('PATCH', `/clients/${c.id}`, { allowed_origins: lines(field.value) }))];
  }

  const row = (c) => h('tr', { 'data-client': c.id },
    h('td', {}, c.name),
    h('td', { class: 'secret-id' }, c.client_id),
    h('td', {}, c.is_active ? t('assistants.active') : t('assistants.inactive')),
    h('td', {}, admin ? origins(c) : h('span', { class: 'pre' }, c.allowed_origins.join('\n') || '—')),
    h('td', { class: 'actions' }, admin ? [
      act(t('developers.rotate'), async () => {
        if (!confirm(t('developers.confirm_rotate', { name: c.name }))) return false;
        const made = await call('POST', `/clients/${c.id}/rotate-secret`);
        fill(shown, once('client-secret', t('developers.secret_once', { name: made.name }), made.client_secret));
        return true;
      }),
      act(c.is_active ? t('assistant.deactivate') : t('assistant.activate'),
        () => call('PATCH', `/clients/${c.id}`, { is_active: !c.is_active })),
      act(t('knowledge.delete'), async () => {
        if (!confirm(t('developers.confirm_delete', { name: c.name }))) return false;
        await call('DELETE', `/clients/${c.id}`);
        return true;
      }),
    ] : null));

  async function load() {
    try {
      const list = await call('GET', '/clients/?limit=100');
      fill(body, list.items.length ? list.items.map(row) : h('tr', {}, h('td', { colspan: 5 }, t('developers.no_clients'))));
      onChange(list.items);
    } catch (e) {
      error.textContent = e.message;
    }
  }

  let create = null;
  if (admin) {
    const name = h('input', { id: 'client-name', required: true, maxlength: '100' });
    const allowed = h('textarea', { id: 'client-origins', rows: 2 });
    create = h('form', { class: 'card', 'aria-labelledby': 'new-client-title' },
      h('h3', { id: 'new-client-title' }, t('developers.new_client')),
      h('label', { for: 'client-name' }, t('assistant.name')), name,
      h('label', { for: 'client-origins' }, t('developers.origins')), allowed,
      h('p', { class: 'muted hint' }, t('developers.origins_hint')),
      h('button', { class: 'primary', type: 'submit' }, t('assistants.create')));
    create.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      try {
        const made = await call('POST', '/clients/', { name: name.value, allowed_origins: lines(allowed.value) });
        fill(shown, once('client-secret', t('developers.secret_once', { name: made.name }), made.client_secret));
        create.reset();
        await load();
      } catch (e) {
        error.textContent = e.message;
      }
    });
  }

  load();
  return h('section', { class: 'card wide', 'aria-labelledby': 'clients-title' },
    h('h2', { id: 'clients-title' }, t('developers.clients')),
    h('p', { class: 'muted' }, t('developers.clients_intro')),
    error, shown,
    h('div', { class: 'table-wrap', tabindex: '0' }, h('table', {},
      h('thead', {}, h('tr', {}, ['assistant.name', 'developers.client_id', 'assistants.state', 'developers.origins', 'list.actions']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      body)),
    create);
}

// The snippet a site pastes, and the widget itself in a frame, for the chosen pair.
function widget({ admin }) {
  const client = h('select', { id: 'widget-client' });
  const assistant = h('select', { id: 'widget-assistant' });
  const snippet = h('pre', { class: 'secret', id: 'widget-snippet' });
  const note = h('div', { id: 'widget-note' });
  const preview = h('div', { id: 'widget-preview' });
  let list = [];

  function update() {
    const c = list.find((x) => x.client_id === client.value);
    if (!c || !assistant.value) {
      snippet.textContent = t('developers.widget_pick');
      fill(preview);
      return;
    }
    snippet.textContent = `<script src="${location.origin}/widget.js" data-client-id="${c.client_id}" data-assistant-id="${assistant.value}"></script>`;
    if (!c.allowed_origins.includes(location.origin)) {
      fill(note, h('p', {}, t('developers.preview_origin', { origin: location.origin })),
        admin ? h('button', { type: 'button', id: 'allow-origin', onclick: async () => {
          await call('PATCH', `/clients/${c.id}`, { allowed_origins: [...c.allowed_origins, location.origin] });
          c.allowed_origins.push(location.origin);
          update();
        } }, t('developers.allow_origin')) : null);
      fill(preview);
      return;
    }
    fill(note);
    const query = new URLSearchParams({ client_id: c.client_id, assistant_id: assistant.value });
    fill(preview, h('iframe', { src: `/widget/demo?${query}`, title: t('developers.preview'), class: 'preview' }));
  }
  client.addEventListener('change', update);
  assistant.addEventListener('change', update);

  call('GET', '/assistants/?limit=100').then((page) => {
    fill(assistant, page.items.map((a) => h('option', { value: a.id }, a.name)));
    update();
  }).catch(() => {});

  const el = h('section', { class: 'card wide', 'aria-labelledby': 'widget-title' },
    h('h2', { id: 'widget-title' }, t('developers.widget')),
    h('div', { class: 'pair' },
      h('div', {}, h('label', { for: 'widget-client' }, t('developers.client')), client),
      h('div', {}, h('label', { for: 'widget-assistant' }, t('knowledge.assistant')), assistant)),
    h('p', {}, t('developers.snippet')), snippet, note, preview);
  // The active clients, whenever the list above changes.
  const setClients = (items) => {
    list = items.filter((c) => c.is_active);
    const chosen = client.value;
    fill(client, list.map((c) => h('option', { value: c.client_id, selected: c.client_id === chosen }, c.name)));
    update();
  };
  return { el, setClients };
}

export function developers({ session }) {
  const admin = can(session, 'admin');
  const snippet = widget({ admin });
  return h('section', { 'aria-labelledby': 'developers-title' },
    h('h1', { id: 'developers-title' }, t('developers.title')),
    h('p', {}, t('developers.docs'), ' ', h('a', { href: '/docs' }, t('developers.docs_link')), ' · ',
      h('a', { href: '/api/v1/openapi.json' }, 'openapi.json')),
    clients({ admin, onChange: snippet.setClients }),
    snippet.el,
    admin ? webhooks() : null,
    admin ? alerts() : null);
}
