// Building DOM nodes. Strings always become text nodes, never HTML: whatever users or crawled
// pages wrote is shown as written.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Replaces the children of `el`.
export function fill(el, ...children) {
  el.replaceChildren();
  for (const child of children.flat()) {
    if (child) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// The entries of a one-per-line text field: trimmed, blank lines dropped.
export function lines(text) {
  return text.split('\n').map((s) => s.trim()).filter(Boolean);
}

// A factory of small buttons: each runs its action, shows a failure's message in `error`, and
// then calls `after` (a reload, say) unless the action answered `false` (cancelled).
export function actionButtons(error, after = async () => {}) {
  return (label, run, attrs = {}) => h('button', { type: 'button', class: 'small', ...attrs, onclick: async () => {
    error.textContent = '';
    try {
      if (await run() === false) return;
      await after();
    } catch (e) {
      error.textContent = e.message;
    }
  } }, label);
}
