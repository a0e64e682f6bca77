// Analytics: a date range, then the traffic as charts (requests by status class over time,
// latency percentiles and busiest endpoints, usage and rate-limit refusals per key, rate-limit
// windows, questions asked, satisfaction) and the request log with its filters and a CSV
// export. Every chart draws exactly what the analytics API returns for the range shown.
import { call, download } from '../api.js';
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { chart, number, stat } from './charts.js';
import { choice, dateField, dayRange, filters, labelled, pageQuery, paged, pager, params, redraw } from './listing.js';

const TOP = 10;
const DAY = 86_400_000;

const endpointName = (e) => `${e.method} ${e.route}`;
const bucketLabel = (start, hours) => {
  const d = new Date(start);
  return hours ? d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit' }) : d.toLocaleDateString();
};

export function analytics() {
  const { from, to } = dayRange(7);
  const range = { from: from.toISOString(), to: to.toISOString(), hours: to - from <= 2 * DAY };
  const span = new URLSearchParams({ from: range.from, to: range.to });
  const error = h('p', { class: 'error', role: 'alert' });
  const summary = h('dl', { class: 'stats', id: 'analytics-summary' });
  const traffic = h('div', { class: 'charts' });
  const people = h('div', { class: 'charts' });
  const form = filters(t('analytics.range'), [
    labelled('from', t('conversations.from'), dateField('from')),
    labelled('to', t('conversations.to'), dateField('to')),
  ], redraw);

  async function load() {
    try {
      const interval = range.hours ? 'hour' : 'day';
      const [usage, endpoints, keys, limits, talks] = await Promise.all([
        call('GET', `/analytics/usage/?interval=${interval}&${span}`),
        call('GET', `/analytics/endpoints/?${span}`),
        call('GET', `/analytics/keys/?${span}`),
        call('GET', `/analytics/rate-limits/?limit=1&${span}`),
        call('GET', `/analytics/conversations/?${span}`),
      ]);
      const all = endpoints.overall;
      const c = talks.totals;
      fill(summary,
        stat('requests', t('home.requests'), number(all.requests)),
        stat('error_rate', t('home.error_rate'), `${number(all.error_rate * 100, 1)} %`),
        stat('p50', t('analytics.p50'), `${number(all.p50_latency_ms, 1)} ms`),
        stat('p95', t('analytics.p95'), `${number(all.p95_latency_ms, 1)} ms`),
        stat('p99', t('analytics.p99'), `${number(all.p99_latency_ms, 1)} ms`),
        stat('conversations', t('home.conversations'), number(c.conversations)),
        stat('median_duration', t('analytics.median_duration'), `${number(c.p50_duration_seconds, 1)} s`),
        stat('satisfaction', t('home.satisfaction'), c.satisfaction.average == null ? '—'
          : t('home.satisfaction_value', { average: number(c.satisfaction.average, 2), count: c.satisfaction.count })),
        stat('unanswered', t('analytics.unanswered'), `${number(c.unanswered_rate * 100, 1)} %`));

      const buckets = usage.buckets;
      const labels = buckets.map((b) => bucketLabel(b.start, range.hours));
      const top = endpoints.items.slice(0, TOP);
      fill(traffic,
        chart({
          id: 'requests', title: t('analytics.requests_over_time'), labels, stacked: true,
          series: [
            { label: t('analytics.success'), data: buckets.map((b) => b.requests - b.errors) },
            { label: t('analytics.client_errors'), data: buckets.map((b) => b.errors - b.server_errors) },
            { label: t('analytics.server_errors'), data: buckets.map((b) => b.server_errors) },
          ],
        }),
        chart({
          id: 'latency', title: t('analytics.latency'), labels: top.map(endpointName), horizontal: true,
          series: [
            { label: 'p50', data: top.map((e) => e.p50_latency_ms) },
            { label: 'p95', data: top.map((e) => e.p95_latency_ms) },
            { label: 'p99', data: top.map((e) => e.p99_latency_ms) },
          ],
        }),
        chart({
          id: 'endpoints', title: t('analytics.top_endpoints'), labels: top.map(endpointName), horizontal: true,
          series: [{ label: t('home.requests'), data: top.map((e) => e.requests) }],
        }),
        chart({
          id: 'keys', title: t('analytics.keys'), labels: keys.items.map((k) => k.name || k.client_id), stacked: true, horizontal: true,
          series: [
            { label: t('analytics.allowed'), data: keys.items.map((k) => k.requests - k.rate_limit_refusals) },
            { label: t('analytics.blocked'), data: keys.items.map((k) => k.rate_limit_refusals) },
          ],
        }),
        chart({
          id: 'rate_limits', title: t('analytics.rate_limit_windows'), stacked: true,
          labels: limits.windows.map((w) => bucketLabel(w.start, true)),
          series: [
            { label: t('analytics.allowed'), data: limits.windows.map((w) => w.allowed) },
            { label: t('analytics.blocked'), data: limits.windows.map((w) => w.blocked) },
          ],
        }));
      fill(people,
        chart({
          id: 'questions', title: t('analytics.questions'), kind: 'line', labels,
          series: [{ label: t('analytics.questions_label'), data: buckets.map((b) => b.messages) }],
        }),
        chart({
          id: 'satisfaction', title: t('analytics.satisfaction'),
          labels: c.satisfaction.distribution.map((d) => t('conversations.stars', { rating: d.rating })),
          series: [{ label: t('analytics.ratings'), data: c.satisfaction.distribution.map((d) => d.count) }],
        }));
    } catch (e) {
      error.textContent = e.message;
    }
  }
  load();

  return h('section', { 'aria-labelledby': 'analytics-title', id: 'analytics', 'data-from': range.from, 'data-to': range.to },
    h('h1', { id: 'analytics-title' }, t('analytics.title')),
    form,
    h('p', { class: 'muted' }, t('analytics.range_shown', { from: new Date(range.from).toLocaleString(), to: new Date(range.to).toLocaleString() })),
    error, summary,
    h('h2', {}, t('analytics.traffic')), traffic,
    h('h2', {}, t('analytics.conversations')), people,
    logs(span));
}

// The request log of the range: filters, a page at a time, and every matching row as CSV.
function logs(span) {
  const error = h('p', { class: 'error', role: 'alert' });
  const body = h('tbody');
  const count = h('p', { class: 'muted', id: 'logs-total' });
  const nav = pager();
  const NAMES = ['status', 'min_status', 'method', 'route', 'client_id'];
  const text = (name, extra = {}) => h('input', { id: name, name, value: params().get(name) || '', ...extra });
  const form = filters(t('analytics.log_filters'), [
    labelled('min_status', t('analytics.outcome'), choice('min_status', [['400', 'errors'], ['500', 'server']], (k) => t(`analytics.outcome.${k}`))),
    labelled('status', t('analytics.status'), text('status', { type: 'number', min: 100, max: 599 })),
    labelled('method', t('analytics.method'), choice('method', ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].map((m) => [m, m]))),
    labelled('route', t('analytics.route'), text('route', { placeholder: '/api/v1/assistants/{id}' })),
    labelled('client_id', t('analytics.client'), text('client_id')),
  ], load);

  function query() {
    const q = pageQuery(NAMES);
    for (const [k, v] of span) q.set(k, v);
    return q;
  }

  async function load() {
    try {
      const list = await call('GET', `/analytics/logs/?${query()}`);
      paged(count, nav, list);
      fill(body, list.items.length ? list.items.map((e) => h('tr', { 'data-request': e.request_id },
        h('td', {}, new Date(e.time).toLocaleString()),
        h('td', {}, e.method),
        h('td', { class: 'pre' }, e.route),
        h('td', {}, e.status),
        h('td', {}, number(e.latency_ms, 1)),
        h('td', {}, e.client_id || '—'),
        h('td', { class: 'small' }, e.request_id)))
        : h('tr', {}, h('td', { colspan: 7 }, t('analytics.no_logs'))));
    } catch (e) {
      error.textContent = e.message;
    }
  }
  load();

  const exportCsv = async () => {
    const q = query();
    q.delete('limit');
    q.delete('offset');
    try {
      await download(`/analytics/logs/?${q}`, 'text/csv', 'request-log.csv');
    } catch (e) {
      error.textContent = e.message;
    }
  };
  return h('section', { 'aria-labelledby': 'logs-title' },
    h('h2', { id: 'logs-title' }, t('analytics.logs')),
    form,
    h('button', { type: 'button', id: 'export-csv', onclick: exportCsv }, t('analytics.export')),
    error, count,
    h('div', { class: 'table-wrap', tabindex: '0' }, h('table', {},
      h('thead', {}, h('tr', {}, ['analytics.time', 'analytics.method', 'analytics.route', 'analytics.status',
        'analytics.latency_ms', 'analytics.client', 'analytics.request_id'].map((k) => h('th', { scope: 'col' }, t(k))))),
      body)),
    nav);
}
