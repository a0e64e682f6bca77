// Members (owners): invite with a role (the link is shown once), change roles, remove.
import { call } from '../api.js';
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';

const ROLES = ['owner', 'admin', 'editor', 'viewer'];

function roleSelect(id, value, label) {
  return h('select', { id, 'aria-label': label },
    ROLES.map((r) => h('option', { value: r, selected: r === value }, t(`role.${r}`))));
}

export function members() {
  const message = h('div', { role: 'status' });
  const error = h('p', { class: 'error', role: 'alert' });
  const body = h('tbody');
  const show = (e) => { error.textContent = e.message; };

  async function load() {
    try {
      const page = await call('GET', '/members/?limit=100');
      fill(body, page.items.map(row));
    } catch (e) {
      show(e);
    }
  }

  function row(member) {
    const select = roleSelect(`role-${member.id}`, member.role, t('members.role_of', { email: member.email }));
    select.addEventListener('change', async () => {
      error.textContent = '';
      try {
        const updated = await call('PATCH', `/members/${member.id}`, { role: select.value });
        fill(message, h('p', { class: 'notice' }, t('members.changed', { email: updated.email, role: t(`role.${updated.role}`) })));
      } catch (e) {
        select.value = member.role;
        show(e);
      }
    });
    const remove = h('button', { type: 'button', class: 'danger', 'aria-label': t('members.remove', { email: member.email }) }, '✕');
    remove.addEventListener('click', async () => {
      if (!confirm(t('members.confirm_remove', { email: member.email }))) return;
      try {
        await call('DELETE', `/members/${member.id}`);
        fill(message, h('p', { class: 'notice' }, t('members.removed', { email: member.email })));
        await load();
      } catch (e) {
        show(e);
      }
    });
    return h('tr', { 'data-member': member.id },
      h('td', {}, member.email),
      h('td', {}, select),
      h('td', {}, t(`status.${member.status}`)),
      h('td', {}, remove));
  }

  const email = h('input', { id: 'invite-email', type: 'email', required: true });
  const role = roleSelect('invite-role', 'viewer');
  const invite = h('form', { class: 'card', 'aria-labelledby': 'invite-title' },
    h('h2', { id: 'invite-title' }, t('members.invite')),
    h('label', { for: 'invite-email' }, t('members.email')), email,
    h('label', { for: 'invite-role' }, t('members.role')), role,
    h('button', { class: 'primary', type: 'submit' }, t('members.invite_submit')));
  invite.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const made = await call('POST', '/members/', { email: email.value, role: role.value });
      const link = `${location.origin}${made.invitation_path}`;
      fill(message,
        h('p', { class: 'notice' }, t('members.invited', { email: made.member.email })),
        h('p', { class: 'secret', id: 'invitation-link' }, link));
      email.value = '';
      await load();
    } catch (e) {
      show(e);
    }
  });

  load();
  return h('section', { 'aria-labelledby': 'members-title' },
    h('h1', { id: 'members-title' }, t('members.title')),
    message, error,
    h('div', { class: 'table-wrap', tabindex: '0' }, h('table', {},
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('members.email')),
        h('th', { scope: 'col' }, t('members.role')),
        h('th', { scope: 'col' }, t('members.status')),
        h('th', { scope: 'col' }, t('list.actions')))),
      body)),
    invite);
}
