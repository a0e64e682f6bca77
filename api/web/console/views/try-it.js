// Try an assistant as a visitor would: a session of its own (marked as the console's), each
// question answered as a stream of server-sent events, the sources under the answer.
import { call, stream } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

// A reply's cited passages with their scores (open in the chat, closed in a transcript).
export function sources(list, open = true) {
  if (!list || !list.length) return null;
  return h('details', { class: 'sources', open },
    h('summary', {}, t('try.sources', { count: list.length })),
    h('ol', {}, list.map((s) => h('li', {},
      h('strong', {}, s.title), ' ', h('span', { class: 'muted' }, `${t('try.score')} ${s.score.toFixed(3)}`),
      s.source ? h('div', { class: 'muted' }, s.source) : null,
      h('div', { class: 'snippet' }, s.snippet)))));
}

export function tryIt(a) {
  const log = h('div', { class: 'chat', id: 'try-log', role: 'log', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert' });
  const question = h('input', { id: 'try-message', autocomplete: 'off', required: true, maxlength: '4000' });
  const send = h('button', { class: 'primary', type: 'submit' }, t('try.send'));
  let sessionId = null;
  let conversationId = null;

  const form = h('form', { class: 'ask' },
    h('label', { for: 'try-message' }, t('try.message')), question, send);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const text = question.value;
    send.disabled = true;
    log.append(h('div', { class: 'turn user' }, h('span', { class: 'who' }, t('try.you')), h('p', {}, text)));
    const answer = h('p', { class: 'reply' });
    const turn = h('div', { class: 'turn assistant', 'aria-busy': 'true' },
      h('span', { class: 'who' }, a.name), answer);
    log.append(turn);
    try {
      if (!sessionId) {
        const session = await call('POST', '/sessions/', { assistant_id: a.id, metadata: { source: 'console' } });
        sessionId = session.id;
      }
      await stream('/conversations/send-message',
        { session_id: sessionId, message: text, conversation_id: conversationId ?? undefined, stream: true },
        (name, data) => {
          if (name === 'delta') answer.append(data.text);
          else if (name === 'sources') turn.append(sources(data.sources) || '');
          else if (name === 'done') conversationId = data.conversation_id;
          else if (name === 'error') error.textContent = data.detail;
        });
      question.value = '';
    } catch (e) {
      error.textContent = e.message;
    } finally {
      turn.removeAttribute('aria-busy');
      send.disabled = false;
      question.focus();
    }
  });

  return h('section', { class: 'card wide', 'aria-labelledby': 'try-title' },
    h('h2', { id: 'try-title' }, t('try.title')),
    h('p', { class: 'muted' }, t('try.intro')),
    log, error, form);
}
