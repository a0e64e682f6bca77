// Home: today at a glance (since midnight, browser time): requests, error rate, p95 latency,
// how much of this hour's limit and today's quota is used, conversations and satisfaction,
// knowledge items by status, and the latest failures (knowledge that failed to ingest,
// today's requests answered with a server error).
import { call } from '../api.js';
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { number, stat } from './charts.js';

const STATUSES = ['ready', 'processing', 'pending', 'failed'];
const RECENT = 5;

function today(now = new Date()) {
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  return new URLSearchParams({ from: midnight.toISOString(), to: now.toISOString() });
}

const used = (w) => t('home.used', { used: number(w.used), limit: number(w.limit), percent: number(w.limit ? (100 * w.used) / w.limit : 0, 1) });

export function home({ href }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const span = today();
  const stats = h('dl', { class: 'stats', id: 'home-stats' });
  const knowledge = h('dl', { class: 'stats', id: 'home-knowledge' });
  const failedItems = h('ul', { class: 'plain', id: 'failed-knowledge' });
  const failedRequests = h('tbody', { id: 'failed-requests' });

  async function load() {
    try {
      const [endpoints, limits, talks, logs, ...byStatus] = await Promise.all([
        call('GET', `/analytics/endpoints/?${span}`),
        call('GET', `/analytics/rate-limits/?limit=1&${span}`),
        call('GET', `/analytics/conversations/?${span}`),
        call('GET', `/analytics/logs/?min_status=500&limit=${RECENT}&${span}`),
        ...STATUSES.map((s) => call('GET', `/knowledge/?status=${s}&limit=${s === 'failed' ? RECENT : 1}`)),
      ]);
      const all = endpoints.overall;
      const c = talks.totals;
      fill(stats,
        stat('requests', t('home.requests'), number(all.requests)),
        stat('error_rate', t('home.error_rate'), `${number(all.error_rate * 100, 1)} %`),
        stat('p95', t('analytics.p95'), `${number(all.p95_latency_ms, 1)} ms`),
        stat('hour', t('home.limit_hour'), used(limits.current_window)),
        stat('day', t('home.limit_day'), used(limits.current_day)),
        stat('conversations', t('home.conversations'), number(c.conversations)),
        stat('satisfaction', t('home.satisfaction'), c.satisfaction.average == null ? '—'
          : t('home.satisfaction_value', { average: number(c.satisfaction.average, 2), count: c.satisfaction.count })));
      fill(knowledge, STATUSES.map((s, i) => stat(s, t(`knowledge.status.${s}`), number(byStatus[i].total))));
      const failed = byStatus[STATUSES.indexOf('failed')].items;
      fill(failedItems, failed.length ? failed.map((k) => h('li', { 'data-knowledge': k.id },
        h('a', { href: href(`knowledge/${k.id}`), 'data-route': '' }, k.title),
        h('div', { class: 'muted small pre' }, k.error || '')))
        : h('li', { class: 'muted' }, t('home.no_failed_knowledge')));
      fill(failedRequests, logs.items.length ? logs.items.map((e) => h('tr', { 'data-request': e.request_id },
        h('td', {}, new Date(e.time).toLocaleString()),
        h('td', { class: 'pre' }, `${e.method} ${e.route}`),
        h('td', {}, e.status),
        h('td', { class: 'small' }, e.request_id)))
        : h('tr', {}, h('td', { colspan: 4 }, t('home.no_failed_requests'))));
    } catch (e) {
      error.textContent = e.message;
    }
  }
  load();

  return h('section', { 'aria-labelledby': 'home-title', id: 'home', 'data-from': span.get('from'), 'data-to': span.get('to') },
    h('h1', { id: 'home-title' }, t('home.title')),
    error,
    h('h2', {}, t('home.today')), stats,
    h('h2', {}, t('home.knowledge')), knowledge,
    h('h2', {}, t('home.failures')),
    h('h3', {}, t('home.failed_knowledge')), failedItems,
    h('h3', {}, t('home.failed_requests')),
    h('div', { class: 'table-wrap', tabindex: '0' }, h('table', {},
      h('thead', {}, h('tr', {}, ['analytics.time', 'analytics.route', 'analytics.status', 'analytics.request_id']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      failedRequests)),
    h('p', {}, h('a', { href: href('analytics'), 'data-route': '' }, t('home.more'))));
}
