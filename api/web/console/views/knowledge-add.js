// Adding knowledge (editors): files (several at once, chosen or dropped, each with its upload
// progress), a URL with its crawl bounds and refresh interval, a text, a Q&A.
import { call, upload } from '../api.js';
import { h, lines } from '../dom.js';
import { t } from '../i18n.js';

function field(id, label, control, hint) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), control,
    hint ? h('p', { class: 'muted hint' }, hint) : null);
}

// A form in a disclosure; `send(form)` answers the message shown once it worked.
function adder(id, title, controls, send) {
  const error = h('p', { class: 'error', role: 'alert' });
  const done = h('p', { class: 'notice', role: 'status' });
  const form = h('form', { id }, controls, error, done,
    h('button', { class: 'primary', type: 'submit' }, t('knowledge.add')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    done.textContent = '';
    try {
      done.textContent = await send(form);
      form.reset();
    } catch (e) {
      error.textContent = e.message;
    }
  });
  return h('details', { class: 'card wide' }, h('summary', {}, title), form);
}

function files(onAdded) {
  const input = h('input', { id: 'upload-files', type: 'file', multiple: true,
    accept: '.pdf,.txt,.md,.markdown,.html,.htm,.csv,.json' });
  const list = h('ul', { class: 'uploads', id: 'uploads' });
  const zone = h('div', { class: 'drop', id: 'drop-zone' },
    h('label', { for: 'upload-files' }, t('knowledge.files_pick')), input,
    h('p', { class: 'muted' }, t('knowledge.files_drop')));

  // One request per file, in parallel; each row shows its own progress and outcome.
  function send(chosen) {
    for (const file of chosen) {
      const bar = h('progress', { max: '1', value: '0', 'aria-label': t('knowledge.uploading', { name: file.name }) });
      const outcome = h('span', { class: 'small' });
      list.append(h('li', { 'data-file': file.name }, h('span', { class: 'name' }, file.name), ' ', bar, ' ', outcome));
      const form = new FormData();
      form.append('file', file, file.name);
      upload('/knowledge/files/', form, (fraction) => { bar.value = fraction; })
        .then((item) => {
          bar.value = 1;
          outcome.className = 'notice small';
          outcome.textContent = t('knowledge.uploaded');
          onAdded(item);
        })
        .catch((e) => {
          outcome.className = 'error small';
          outcome.textContent = e.message;
        });
    }
  }
  input.addEventListener('change', () => {
    send([...input.files]);
    input.value = '';
  });
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    send([...event.dataTransfer.files]);
  });
  return h('details', { class: 'card wide', open: true },
    h('summary', {}, t('knowledge.add_files')), zone, list);
}

function url(onAdded) {
  const number = (id, min, max, value) => h('input', { id, type: 'number', min, max, step: '1', value });
  return adder('add-url', t('knowledge.add_url'), [
    field('url-address', t('knowledge.url'), h('input', { id: 'url-address', type: 'url', required: true })),
    h('div', { class: 'pair' },
      field('url-depth', t('knowledge.max_depth'), number('url-depth', '0', '5', '0')),
      field('url-pages', t('knowledge.max_pages'), number('url-pages', '1', '500', '1')),
      field('url-refresh', t('knowledge.refresh'), number('url-refresh', '1', '8760', ''))),
    h('label', { class: 'check' }, h('input', { id: 'url-same-domain', type: 'checkbox', checked: true }), ' ', t('knowledge.same_domain')),
    h('label', { class: 'check' }, h('input', { id: 'url-sitemap', type: 'checkbox' }), ' ', t('knowledge.use_sitemap')),
    field('url-include', t('knowledge.include'), h('textarea', { id: 'url-include', rows: 2 }), t('knowledge.patterns_hint')),
    field('url-exclude', t('knowledge.exclude'), h('textarea', { id: 'url-exclude', rows: 2 }), t('knowledge.patterns_hint')),
  ], async (form) => {
    const v = (id) => form.querySelector(`#${id}`);
    const body = {
      url: v('url-address').value,
      crawl: {
        max_depth: Number(v('url-depth').value), max_pages: Number(v('url-pages').value),
        same_domain: v('url-same-domain').checked, use_sitemap: v('url-sitemap').checked,
        include: lines(v('url-include').value), exclude: lines(v('url-exclude').value),
      },
    };
    if (v('url-refresh').value) body.refresh_interval_hours = Number(v('url-refresh').value);
    const item = await call('POST', '/knowledge/urls/', body);
    onAdded(item);
    return t('knowledge.added', { title: item.title });
  });
}

function text(onAdded) {
  return adder('add-text', t('knowledge.add_text'), [
    field('text-title', t('knowledge.title_field'), h('input', { id: 'text-title', required: true, maxlength: '500' })),
    field('text-content', t('knowledge.content'), h('textarea', { id: 'text-content', rows: 6, required: true })),
  ], async (form) => {
    const item = await call('POST', '/knowledge/', {
      type: 'text', title: form.querySelector('#text-title').value,
      content: form.querySelector('#text-content').value,
    });
    onAdded(item);
    return t('knowledge.added', { title: item.title });
  });
}

// The Q&A fields, shared with the item page's edit form.
export function qaFields(qa = {}) {
  return [
    field('qa-question', t('knowledge.question'), h('input', { id: 'qa-question', required: true, maxlength: '1000', value: qa.question || '' })),
    field('qa-answer', t('knowledge.answer'), h('textarea', { id: 'qa-answer', rows: 4, required: true }, qa.answer || ''), t('knowledge.answer_hint')),
    field('qa-alternates', t('knowledge.alternates'), h('textarea', { id: 'qa-alternates', rows: 3 }, (qa.alternate_questions || []).join('\n')), t('knowledge.lines_hint')),
    field('qa-tags', t('knowledge.tags'), h('input', { id: 'qa-tags', value: (qa.tags || []).join(', ') }), t('knowledge.tags_hint')),
  ];
}

export function readQa(form) {
  return {
    question: form.querySelector('#qa-question').value,
    answer: form.querySelector('#qa-answer').value,
    alternate_questions: lines(form.querySelector('#qa-alternates').value),
    tags: form.querySelector('#qa-tags').value.split(',').map((s) => s.trim()).filter(Boolean),
  };
}

function qa(onAdded) {
  return adder('add-qa', t('knowledge.add_qa'), qaFields(), async (form) => {
    const item = await call('POST', '/knowledge/qas/', readQa(form));
    onAdded(item);
    return t('knowledge.added', { title: item.title });
  });
}

export function addForms({ onAdded }) {
  return h('section', { 'aria-labelledby': 'add-title' },
    h('h2', { id: 'add-title' }, t('knowledge.add_title')),
    files(onAdded), url(onAdded), text(onAdded), qa(onAdded));
}
