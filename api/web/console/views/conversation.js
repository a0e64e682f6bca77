// One conversation: who the visitor is and their context traits, the session it ran in, the
// transcript with each reply's cited sources, and the feedback given on it.
import { call } from '../api.js';
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { sources } from './try-it.js';

const when = (v) => new Date(v).toLocaleString();
const row = (label, value) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', { class: 'pre' }, value));
const text = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

function traits(context) {
  const entries = Object.entries(context || {});
  if (!entries.length) return h('p', { class: 'muted' }, t('conversation.no_traits'));
  return h('div', { class: 'table-wrap', tabindex: '0' }, h('table', { id: 'traits' },
    h('tbody', {}, entries.map(([key, value]) => row(key, text(value))))));
}

function message(m) {
  const reply = m.role === 'assistant';
  const details = reply ? [
    m.reply_kind ? t(`conversation.kind.${m.reply_kind}`, {}, m.reply_kind) : null,
    m.assistant_version ? t('assistant.version_now', { version: m.assistant_version }) : null,
    m.latency_ms != null ? `${m.latency_ms} ms` : null,
    m.answered === false ? t('conversation.unanswered') : null,
  ].filter(Boolean).join(' · ') : '';
  return h('li', { class: `turn ${reply ? 'assistant' : 'user'}`, 'data-message': m.id },
    h('span', { class: 'who' }, reply ? t('conversation.assistant') : t('conversation.visitor'), ' · ', when(m.created_at)),
    h('p', {}, m.content),
    details ? h('div', { class: 'muted small' }, details) : null,
    sources(m.sources, false));
}

function feedback(list) {
  if (!list.length) return h('p', { class: 'muted' }, t('conversation.no_feedback'));
  return h('ul', { id: 'feedback', class: 'plain' }, list.map((f) => h('li', {},
    h('span', { class: 'stars', 'aria-hidden': 'true' }, '★'.repeat(f.rating) + '☆'.repeat(5 - f.rating)), ' ',
    h('strong', { class: 'rating' }, t('conversation.rating', { rating: f.rating })), ' ',
    h('span', { class: 'muted small' }, when(f.created_at), f.message_id ? ` · ${t('conversation.on_reply')}` : ''),
    f.comment ? h('p', { class: 'comment' }, f.comment) : null)));
}

export function conversation({ id, href }) {
  const back = h('p', {}, h('a', { href: href('conversations'), 'data-route': '' }, t('conversation.back')));
  const section = h('section', { 'aria-labelledby': 'conversation-title' }, back,
    h('h1', { id: 'conversation-title' }, t('loading')));
  (async () => {
    try {
      const c = await call('GET', `/conversations/${encodeURIComponent(id)}`);
      const [assistant, session] = await Promise.all([
        call('GET', `/assistants/${c.assistant_id}`).catch(() => null),
        call('GET', `/sessions/${c.session_id}`).catch(() => null),
      ]);
      fill(section, back,
        h('h1', { id: 'conversation-title' }, t('conversation.title', { when: when(c.created_at) })),
        h('div', { class: 'table-wrap', tabindex: '0' }, h('table', { id: 'conversation-facts' }, h('tbody', {},
          row(t('knowledge.assistant'), assistant
            ? h('a', { href: href(`assistants/${c.assistant_id}`), 'data-route': '' }, assistant.name) : c.assistant_id),
          row(t('conversation.visitor_id'), c.visitor_id),
          row(t('conversation.user_id'), c.user_id || '—'),
          session ? row(t('conversation.locale'), session.locale || '—') : null,
          session ? row(t('conversation.metadata'), Object.keys(session.metadata || {}).length ? JSON.stringify(session.metadata) : '—') : null,
          row(t('conversations.messages'), String(c.message_count))))),
        h('h2', {}, t('conversation.traits')), traits(c.context),
        h('h2', {}, t('conversation.feedback')), feedback(c.feedback),
        h('h2', {}, t('conversation.transcript')),
        h('ol', { class: 'chat transcript', id: 'transcript' }, c.messages.map(message)),
        c.message_count > c.messages.length ? h('p', { class: 'muted' }, t('conversation.more', { shown: c.messages.length, count: c.message_count })) : null);
    } catch (e) {
      fill(section, back, h('h1', { id: 'conversation-title' }, t('conversations.title')),
        h('p', { class: 'error', role: 'alert' }, e.message));
    }
  })();
  return section;
}
