// The sandbox (admins): what it is, and a reset that asks first, then follows its job to the
// end. It only ever acts on the sandbox; in production the view offers the switch.
import { call, environment } from '../api.js';
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';

const FINAL = ['succeeded', 'failed', 'canceled'];

export function sandbox() {
  const status = h('div', { role: 'status', id: 'reset-status' });
  const error = h('p', { class: 'error', role: 'alert' });
  const section = h('section', { 'aria-labelledby': 'sandbox-title' },
    h('h1', { id: 'sandbox-title' }, t('sandbox.title')),
    h('p', {}, t('sandbox.intro')));

  if (environment() !== 'sandbox') {
    section.append(h('p', {}, t('sandbox.in_production')),
      h('a', { href: '/dashboard/sandbox?env=sandbox', 'data-route': '' }, t('sandbox.switch')));
    return section;
  }

  async function follow(job) {
    fill(status, h('p', {}, t('sandbox.running'), ' ',
      h('progress', { max: '1', value: String(job.progress), 'aria-label': t('sandbox.progress') })));
    if (!FINAL.includes(job.status)) {
      setTimeout(async () => {
        try {
          if (section.isConnected) await follow(await call('GET', `/jobs/${job.id}`));
        } catch (e) {
          error.textContent = e.message;
        }
      }, 1000);
      return;
    }
    fill(status, h('p', { class: job.status === 'succeeded' ? 'notice' : 'error' },
      t(`sandbox.${job.status}`, {}, job.status), job.error ? ` ${job.error}` : ''));
  }

  // Two steps: the first button only opens the confirmation.
  const confirmation = h('div', { class: 'card', id: 'reset-confirm', hidden: true, role: 'group', 'aria-labelledby': 'reset-question' },
    h('p', { id: 'reset-question' }, t('sandbox.confirm')),
    h('button', { type: 'button', class: 'danger', id: 'reset-yes', onclick: async () => {
      confirmation.hidden = true;
      error.textContent = '';
      try {
        await follow(await call('POST', '/sandbox/reset'));
      } catch (e) {
        error.textContent = e.message;
      }
    } }, t('sandbox.yes')), ' ',
    h('button', { type: 'button', id: 'reset-no', onclick: () => { confirmation.hidden = true; start.focus(); } }, t('sandbox.no')));
  const start = h('button', { type: 'button', class: 'primary', id: 'reset', onclick: () => {
    confirmation.hidden = false;
    confirmation.querySelector('#reset-no').focus();
  } }, t('sandbox.reset'));
  section.append(start, confirmation, error, status);
  return section;
}
