// An item's processing state in words, with its job's progress while it runs, polled until
// the item is ready or failed (or the view is left).
import { call } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

export const RUNNING = ['pending', 'processing'];

// The status cell of `item`: the status, the failure reason, or the running job's progress.
export function status(item, job) {
  const label = h('span', { class: `badge status-${item.status}` }, t(`knowledge.status.${item.status}`));
  if (item.status === 'failed') return [label, h('div', { class: 'error small' }, item.error || '')];
  if (!RUNNING.includes(item.status) || !job) return label;
  const pages = job.pages_found ? ` · ${t('knowledge.pages_done', { done: job.pages_done || 0, found: job.pages_found })}` : '';
  return [label, ' ',
    h('progress', { max: '1', value: String(job.progress), 'aria-label': t('knowledge.progress', { title: item.title }) }),
    h('span', { class: 'muted small' }, ` ${Math.round(job.progress * 100)} %${pages}`)];
}

// Calls `refresh()` every 2 s while `busy()` holds and `el` is on the page.
export function poll(el, busy, refresh) {
  const tick = async () => {
    if (!el.isConnected || !busy()) return;
    await refresh();
    setTimeout(tick, 2000);
  };
  setTimeout(tick, 2000);
}

// The jobs of the first few running items, by item id (a job that cannot be read is left
// out): each poll is one request per job, and every request counts against the rate limit.
const MAX_JOBS = 10;

export async function jobsOf(items) {
  const running = items.filter((i) => RUNNING.includes(i.status) && i.job_id).slice(0, MAX_JOBS);
  const found = await Promise.all(running.map((i) => call('GET', `/jobs/${i.job_id}`).catch(() => null)));
  return Object.fromEntries(running.map((i, n) => [i.id, found[n]]).filter(([, j]) => j));
}

