// An assistant's fields, once: how each is edited, read back for the API, and shown as text
// (the read-only view and the side-by-side diff of two versions).
import { h, lines } from '../dom.js';
import { t } from '../i18n.js';

const TONES = ['professional', 'friendly', 'concise'];

// Key (dotted for nested ones, as the API's `changed_fields`), and how it is edited.
export const FIELDS = [
  ['name', 'text'], ['description', 'long'], ['tone', 'tone'], ['language', 'text'],
  ['default_tasks', 'lines'], ['instructions', 'long'], ['is_active', 'flag'],
  ['knowledge_scope', 'scope'], ['knowledge_ids', 'items'], ['excluded_knowledge_ids', 'items'],
  ['retrieval.top_k', 'count'], ['retrieval.min_score', 'score'], ['reply_mode', 'mode'],
  ['fallback_message', 'long'], ['greeting', 'long'],
];

export function value(config, key) {
  return key.split('.').reduce((v, part) => (v == null ? v : v[part]), config);
}

// A field's value as the words shown for it.
export function shown(config, key, titles = {}) {
  const v = value(config, key);
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? t('yes') : t('no');
  if (Array.isArray(v)) return v.length ? v.map((id) => titles[id] || id).join('\n') : '—';
  if (key === 'knowledge_scope' || key === 'reply_mode') return t(`assistant.${key}.${v}`);
  return String(v);
}

const id = (key) => `field-${key.replace('.', '-')}`;

function choice(key, options, current) {
  return h('select', { id: id(key) },
    options.map((o) => h('option', { value: o, selected: o === current }, t(`assistant.${key}.${o}`))));
}

// A list of checkboxes, one per knowledge item (and per id the list does not hold).
function items(key, chosen, knowledge) {
  const known = knowledge.map((k) => [k.id, k.title]);
  for (const kid of chosen) if (!known.some(([k]) => k === kid)) known.push([kid, kid]);
  return h('fieldset', { id: id(key), class: 'checks' },
    h('legend', {}, t(`assistant.${key}`)),
    known.length ? known.map(([kid, title]) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', value: kid, checked: chosen.includes(kid) }), ' ', title))
      : h('p', { class: 'muted' }, t('assistant.no_knowledge')));
}

function input(key, kind, v, knowledge) {
  switch (kind) {
    case 'long': return h('textarea', { id: id(key), rows: key === 'instructions' ? 6 : 2 }, v ?? '');
    case 'lines': return h('textarea', { id: id(key), rows: 3 }, (v || []).join('\n'));
    case 'flag': return h('input', { id: id(key), type: 'checkbox', checked: v });
    case 'count': return h('input', { id: id(key), type: 'number', min: '1', max: '50', step: '1', value: String(v) });
    case 'score': return h('input', { id: id(key), type: 'number', min: '0', max: '1', step: '0.01', value: String(v) });
    case 'scope': return choice(key, ['all', 'selected'], v);
    case 'mode': return choice(key, ['generative', 'extractive'], v);
    case 'items': return items(key, v || [], knowledge);
    case 'tone': return [h('input', { id: id(key), list: 'tones', value: v }),
      h('datalist', { id: 'tones' }, TONES.map((o) => h('option', { value: o })))];
    default: return h('input', { id: id(key), value: v ?? '' });
  }
}

// The fields of `config` as form controls, each with its label; `read()` answers the body of
// a PATCH holding every field (a change that alters nothing makes no new version).
export function editor(config, knowledge) {
  const controls = FIELDS.map(([key, kind]) => {
    const control = input(key, kind, value(config, key), knowledge);
    const hint = t(`assistant.${key}.hint`, {}, '');
    const label = kind === 'items' ? null : h('label', { for: id(key) }, t(`assistant.${key}`));
    return h('div', { class: `field field-${kind}` }, label, control, hint ? h('p', { class: 'muted hint' }, hint) : null);
  });
  const el = (key) => document.getElementById(id(key));
  const text = (key) => el(key).value;
  const optional = (key) => (el(key).value.trim() === '' ? null : el(key).value);
  const ticked = (key) => [...el(key).querySelectorAll('input:checked')].map((c) => c.value);
  const read = () => ({
    name: text('name'), description: optional('description'), tone: text('tone'),
    language: text('language'),
    default_tasks: lines(text('default_tasks')),
    instructions: text('instructions'), is_active: el('is_active').checked,
    knowledge_scope: text('knowledge_scope'), knowledge_ids: ticked('knowledge_ids'),
    excluded_knowledge_ids: ticked('excluded_knowledge_ids'),
    retrieval: { top_k: Number(text('retrieval.top_k')), min_score: Number(text('retrieval.min_score')) },
    reply_mode: text('reply_mode'), fallback_message: optional('fallback_message'),
    greeting: optional('greeting'),
  });
  return { controls, read };
}
