// The pool page: progress (completion, assignments by status, workers, money, speed over time),
// stop / resume / archive / clone, result downloads and Dawid-Skene runs. Polls the page's JSON
// twin (/api/console/pools/{id}/progress) while it is open; actions go through the v1 API.
import { api, pageData, waitOperation } from './api.js';
import { $, clear, flash, flashNext, formatDate, h, money, setStatus, setText } from './dom.js';
import { barChart, columnChart } from './charts.js';
import { initLayout, refreshBalance } from './layout.js';

initLayout();
const data = pageData();
const project = data.project;
let progress = data.progress;
const poolId = progress.pool.id;
const errorBox = $('#pool-error');

const STATUS_ORDER = [
  ['ACTIVE', 'In progress', 'is-active'],
  ['SUBMITTED', 'Submitted', 'is-submitted'],
  ['ACCEPTED', 'Accepted', 'is-accepted'],
  ['REJECTED', 'Rejected', 'is-rejected'],
  ['SKIPPED', 'Skipped', 'is-skipped'],
  ['EXPIRED', 'Expired', 'is-expired'],
];
const REASONS = {
  COMPLETED: 'Stopped: every task got all its answers.',
  MANUAL: 'Stopped by you.',
  EXPIRED: 'Stopped: the pool expired.',
  NOT_ENOUGH_BALANCE: 'Stopped: not enough money on the account.',
  FOR_UPDATE: 'Stopped for changes.',
};

function render() {
  const pool = progress.pool;
  setStatus($('#pool-status'), pool.status);
  setText($('#pool-close-reason'), pool.status === 'CLOSED' ? REASONS[pool.last_close_reason] || '' : '');
  const percent = progress.completion_percentage;
  $('#completion').textContent = `${percent} %`;
  $('#completion-bar').setAttribute('aria-valuenow', String(percent));
  $('#completion-fill').className = `progress-fill fill-${Math.round(percent / 5) * 5}`;
  $('#stat-tasks').textContent = `${progress.tasks.general}${progress.tasks.golden ? ` + ${progress.tasks.golden}` : ''}`;
  $('#stat-active-workers').textContent = String(progress.active_workers);
  $('#stat-workers').textContent = String(progress.unique_workers);
  $('#stat-spent').textContent = money(progress.spent);
  $('#stat-reserved').textContent = money(progress.reserved);
  $('#stat-remaining').textContent = money(progress.remaining_cost);
  $('#as-of').textContent = formatDate(progress.as_of);
  barChart(
    $('#status-chart'),
    STATUS_ORDER.map(([key, label, cls]) => ({ label, value: progress.assignments[key] || 0, cls })),
    { empty: 'No assignments yet' },
  );
  const unit = progress.speed.bucket_seconds;
  $('#speed-unit').textContent = `(answers per ${unit < 60 ? `${unit} s` : unit < 3600 ? `${unit / 60} min` : unit < 86400 ? `${unit / 3600} h` : `${unit / 86400} day(s)`})`;
  columnChart($('#speed-chart'), progress.speed.points);
  const waiting = progress.assignments.SUBMITTED || 0;
  setText($('#review-count'), waiting && pool.auto_accept_solutions === false ? String(waiting) : '');
  const open = pool.status === 'OPEN';
  $('#stop-pool').hidden = !open;
  // A completed pool starts again from its set-up page, after new tasks are uploaded.
  $('#resume-pool').hidden = open || pool.status === 'ARCHIVED' || pool.last_close_reason === 'COMPLETED';
  $('#resume-pool').textContent = pool.last_started ? 'Resume' : 'Start labeling';
  $('#archive-pool').hidden = open || pool.status === 'ARCHIVED';
  $('#edit-pool').hidden = open || pool.status === 'ARCHIVED';
  $('#review-link').hidden = pool.auto_accept_solutions !== false && !(progress.assignments.REJECTED || 0);
}

async function poll() {
  try {
    progress = await api('GET', `/api/console/pools/${encodeURIComponent(poolId)}/progress`);
    render();
    refreshBalance();
  } catch (err) {
    if (err.status !== 401) setText(errorBox, err.message);
  }
}

async function act(button, path, done) {
  button.disabled = true;
  setText(errorBox, '');
  try {
    const result = await api('POST', path);
    if (done) await done(result);
    await poll();
  } catch (err) {
    setText(errorBox, err.message);
  } finally {
    button.disabled = false;
  }
}

const base = `/api/v1/pools/${encodeURIComponent(poolId)}`;
$('#stop-pool').addEventListener('click', (e) => act(e.currentTarget, `${base}/close`, () => flash('Pool stopped: workers get no new suites.', 'success')));
$('#resume-pool').addEventListener('click', (e) => act(e.currentTarget, `${base}/open`, () => flash('Pool open: workers can take suites.', 'success')));
$('#archive-pool').addEventListener('click', (e) => {
  if (!window.confirm('Archive this pool? It cannot be opened again; its results stay available.')) return;
  act(e.currentTarget, `${base}/archive`, () => flash('Pool archived.', 'success'));
});
$('#clone-pool').addEventListener('click', (e) =>
  act(e.currentTarget, `${base}/clone`, async (op) => {
    const done = op.status === 'SUCCESS' ? op : await waitOperation(op.id);
    const clone = done.details && done.details.pool_id;
    if (clone) {
      flashNext('Pool cloned (settings only). Upload tasks to the copy.');
      location.assign(`/console/pools/${clone}/setup?step=upload`);
    }
  }),
);

// Results -----------------------------------------------------------------------------------------

function exportLinks() {
  const status = $('#export-status').value;
  for (const link of document.querySelectorAll('#export-links a')) {
    link.href = `/api/new/requester/pools/${encodeURIComponent(poolId)}/assignments.${link.dataset.format}?status=${encodeURIComponent(status)}`;
  }
}
$('#export-status').addEventListener('change', exportLinks);
exportLinks();

const outputSpec = (project.task_spec && project.task_spec.output_spec) || {};
const fieldSelect = $('#aggregate-field');
for (const name of Object.keys(outputSpec)) fieldSelect.append(h('option', { text: name, attrs: { value: name } }));

function renderAggregations(items) {
  const body = $('#aggregations tbody');
  clear(body);
  $('#no-aggregations').hidden = items.length > 0;
  for (const op of items) {
    const params = op.parameters || {};
    const links = op.status === 'SUCCESS'
      ? ['tsv', 'xlsx', 'json'].map((format) => h('a', {
        class: 'btn btn-small',
        text: format.toUpperCase(),
        attrs: { href: `/api/v1/aggregated-solutions/${encodeURIComponent(op.id)}/file?format=${format}`, download: `aggregation-${op.id}.${format}`, 'data-format': format },
      }))
      : [h('span', { class: 'muted small', text: op.status === 'FAIL' ? 'failed' : `${op.progress || 0} %` })];
    body.append(
      h('tr', { attrs: { 'data-operation': op.id, 'data-status': op.status } },
        h('td', {}, h('div', { text: `${(params.type || params.method || '').replace('_', '-')} · ${(params.fields || []).join(', ')}` }), h('div', { class: 'muted small', text: formatDate(op.submitted) })),
        h('td', {}, h('span', { class: `status status-op-${String(op.status).toLowerCase()}`, text: op.status === 'SUCCESS' ? 'Done' : op.status === 'FAIL' ? 'Failed' : 'Running' })),
        h('td', { text: op.details && op.details.tasks !== undefined ? String(op.details.tasks) : '' }),
        h('td', { class: 'button-row' }, links),
      ),
    );
  }
}

async function refreshAggregations() {
  const result = await api('GET', `/api/console/pools/${encodeURIComponent(poolId)}/aggregations`);
  renderAggregations(result.items);
  return result.items;
}

$('#run-aggregation').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  setText(errorBox, '');
  try {
    const op = await api('POST', '/api/v1/aggregated-solutions/aggregate-by-pool', {
      type: 'DAWID_SKENE',
      pool_id: poolId,
      fields: [{ name: fieldSelect.value }],
    });
    await refreshAggregations();
    const done = await waitOperation(op.id, { onProgress: () => refreshAggregations() });
    await refreshAggregations();
    flash(done.status === 'SUCCESS' ? 'Aggregation finished: download the results below.' : 'The aggregation failed.', done.status === 'SUCCESS' ? 'success' : 'error');
  } catch (err) {
    setText(errorBox, err.message);
  } finally {
    button.disabled = false;
  }
});

render();
renderAggregations(data.aggregations.items);
setInterval(() => {
  if (!document.hidden) poll();
}, 2000);
