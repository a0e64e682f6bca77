// Charts: Chart.js (vendored, fetched only when a view draws its first chart), coloured from
// the console's palette so that they follow the system's dark mode, each with its numbers in
// a table beside it for screen readers and keyboard users.
import { h } from '../dom.js';
import { language, t } from '../i18n.js';

const LIBRARY = '../vendor/chart.js-4.6.2/chart.umd.min.js';
let loaded = null;

// Chart.js's UMD build sets `globalThis.Chart` when run as a module.
function library() {
  if (!loaded) loaded = import(LIBRARY).then(() => globalThis.Chart);
  return loaded;
}

function palette() {
  const css = getComputedStyle(document.documentElement);
  const v = (name) => css.getPropertyValue(name).trim();
  return { fg: v('--fg'), muted: v('--muted'), line: v('--line'), series: [1, 2, 3, 4].map((i) => v(`--series-${i}`)) };
}

export function number(value, digits = 0) {
  return new Intl.NumberFormat(language(), { maximumFractionDigits: digits }).format(value);
}

// A chart of `series` (`{label, data}`, one value per label) over `labels`, as a figure with
// its caption and a table of the same numbers. `kind` is `bar` or `line`; `stacked` stacks
// the series; `horizontal` lays bars along the x axis. `id` names the figure
// (`data-chart`) so that tests can read what was drawn.
export function chart({ id, title, kind = 'bar', labels, series, stacked = false, horizontal = false }) {
  const canvas = h('canvas', { role: 'img', 'aria-label': title });
  const table = h('table', {},
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), series.map((s) => h('th', { scope: 'col' }, s.label)))),
    h('tbody', {}, labels.map((label, i) => h('tr', {},
      h('th', { scope: 'row' }, label),
      series.map((s) => h('td', {}, number(s.data[i], 2)))))));
  const figure = h('figure', { class: 'chart', 'data-chart': id },
    h('figcaption', {}, title),
    labels.length
      ? h('div', { class: horizontal ? 'plot tall' : 'plot' }, canvas)
      : h('p', { class: 'muted' }, t('analytics.empty')),
    h('details', {}, h('summary', {}, t('analytics.numbers')),
      h('div', { class: 'table-wrap', tabindex: '0' }, table)));
  if (!labels.length) return figure;
  library().then((Chart) => {
    const colors = palette();
    const axis = { stacked, grid: { color: colors.line }, ticks: { color: colors.muted } };
    figure.chart = new Chart(canvas, {
      type: kind,
      data: {
        labels,
        datasets: series.map((s, i) => ({
          label: s.label,
          data: s.data,
          backgroundColor: colors.series[i % colors.series.length],
          borderColor: colors.series[i % colors.series.length],
        })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: horizontal ? 'y' : 'x',
        scales: { x: axis, y: { ...axis, beginAtZero: true } },
        plugins: { legend: { labels: { color: colors.fg } } },
      },
    });
    figure.dataset.drawn = 'true';
  }).catch((e) => {
    figure.append(h('p', { class: 'error', role: 'alert' }, e.message));
  });
  return figure;
}

// One figure: a label and its value.
export function stat(id, label, value) {
  return h('div', { class: 'stat', 'data-stat': id },
    h('dt', {}, label), h('dd', {}, value));
}
