// The review queue: submitted assignments of a pool, one at a time, shown with the task interface
// (read-only, the worker's answers filled in). Keyboard driven: A accept, R reject (reason, Enter),
// J / K next / previous, Esc cancel. Disputes (appeals of rejected work) in a second tab.
// Everything goes through the v1 API: GET /assignments, PATCH /assignments/{id}, /appeals.
import { api, pageData } from './api.js';
import { $, clear, flash, formatDate, h, setText } from './dom.js';
import { initLayout } from './layout.js';
import { mountSuite } from '/static/tb/renderer.js';

initLayout();
const data = pageData();
const pool = data.pool;
const project = data.project;
const spec = project.task_spec || {};
const errorBox = $('#review-error');
let queue = [];
let index = 0;
let suite = null;

/** The project's config without its hotkeys: review keys must not answer the task. */
function reviewConfig() {
  const view = spec.view_spec || {};
  let config = { view: { type: 'view.text', content: 'This project has no Template Builder interface.' } };
  try {
    if (view.type === 'tb') config = JSON.parse(view.config);
  } catch {
    /* keep the placeholder */
  }
  return { ...config, plugins: (config.plugins || []).filter((p) => p && p.type !== 'plugin.hotkeys') };
}
const CONFIG = reviewConfig();

function shortId(id) {
  return String(id).replace(/^0+/, '') || '0';
}

function renderQueue() {
  const list = $('#review-queue');
  clear(list);
  queue.forEach((a, i) => {
    const item = h('li', { attrs: { 'data-assignment': a.id, 'aria-current': i === index ? 'true' : null } },
      h('button', { class: 'queue-item', attrs: { type: 'button' }, on: { click: () => select(i) } },
        h('strong', { text: `#${shortId(a.id)}` }), ' ', h('span', { class: 'muted small', text: `worker ${shortId(a.user_id)} · ${formatDate(a.submitted)}` })),
    );
    list.append(item);
  });
  setText($('#queue-count'), queue.length ? String(queue.length) : '');
  const empty = !queue.length;
  $('#queue-empty').hidden = !empty;
  $('#review-main').hidden = empty;
  list.hidden = empty;
}

function knownAnswers(a) {
  const box = $('#review-known');
  clear(box);
  a.tasks.forEach((task, i) => {
    const known = (task.known_solutions || [])[0];
    if (!known) return;
    const given = ((a.solutions || [])[i] || {}).output_values || {};
    const expected = known.output_values || {};
    const right = Object.entries(expected).every(([k, v]) => JSON.stringify(given[k]) === JSON.stringify(v));
    box.append(
      h('p', { class: `known ${right ? 'known-right' : 'known-wrong'}`, attrs: { 'data-known-task': i } },
        `Task ${i + 1} is a control task: the correct answer is ${Object.values(expected).join(', ')}; `,
        h('strong', { text: right ? 'the worker got it right.' : `the worker answered ${Object.values(given).join(', ') || 'nothing'}.` }),
      ),
    );
  });
}

function select(i) {
  if (!queue.length) return;
  index = Math.max(0, Math.min(i, queue.length - 1));
  const a = queue[index];
  $('#reject-form').hidden = true;
  $('#review-title').textContent = `Assignment #${shortId(a.id)}`;
  $('#review-meta').textContent = `worker ${shortId(a.user_id)} · submitted ${formatDate(a.submitted)} · ${a.tasks.length} task(s)`;
  if (suite) suite.destroy();
  const container = $('#review-suite');
  clear(container);
  suite = mountSuite(container, {
    config: CONFIG,
    tasks: a.tasks.map((t) => ({ id: t.id, input_values: t.input_values })),
    outputSpec: spec.output_spec || {},
    initialOutputs: (a.solutions || []).map((s) => s.output_values),
    readOnly: true,
  });
  knownAnswers(a);
  renderQueue();
  const current = $(`#review-queue [data-assignment="${CSS.escape(a.id)}"]`);
  if (current) current.scrollIntoView({ block: 'nearest' });
}

async function load() {
  try {
    const page = await api('GET', `/api/v1/assignments?pool_id=${encodeURIComponent(pool.id)}&status=SUBMITTED&sort=submitted&limit=100`);
    queue = page.items;
    index = 0;
    renderQueue();
    if (queue.length) select(0);
  } catch (err) {
    setText(errorBox, err.message);
  }
}

async function decide(status, comment) {
  const a = queue[index];
  if (!a) return;
  setText(errorBox, '');
  try {
    await api('PATCH', `/api/v1/assignments/${encodeURIComponent(a.id)}`, comment === undefined ? { status } : { status, public_comment: comment });
    flash(`#${shortId(a.id)} ${status === 'ACCEPTED' ? 'accepted' : 'rejected'}.`, 'success');
    queue.splice(index, 1);
    if (queue.length) select(Math.min(index, queue.length - 1));
    else {
      if (suite) suite.destroy();
      suite = null;
      renderQueue();
      load();
    }
  } catch (err) {
    setText(errorBox, err.message);
  }
}

function openReject() {
  if (!queue.length) return;
  $('#reject-form').hidden = false;
  $('#reject-comment').value = '';
  $('#reject-comment').focus();
}

$('#accept-button').addEventListener('click', () => decide('ACCEPTED'));
$('#reject-button').addEventListener('click', openReject);
$('#reject-cancel').addEventListener('click', () => {
  $('#reject-form').hidden = true;
});
$('#reject-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const comment = $('#reject-comment').value.trim();
  if (!comment) {
    setText(errorBox, 'Say why the work is rejected: the worker sees the reason.');
    $('#reject-comment').focus();
    return;
  }
  $('#reject-form').hidden = true;
  decide('REJECTED', comment);
});
$('#reject-comment').addEventListener('keydown', (event) => {
  if (event.key === 'Escape') {
    $('#reject-form').hidden = true;
    event.stopPropagation();
  }
});

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target && (target.closest('input, textarea, select, [contenteditable]') || target.isContentEditable)) return;
  if (!$('#disputes-panel').hidden) return;
  const key = event.key.toLowerCase();
  if (key === 'a') decide('ACCEPTED');
  else if (key === 'r') openReject();
  else if (key === 'j') select(index + 1);
  else if (key === 'k') select(index - 1);
  else if (key === 'escape') $('#reject-form').hidden = true;
  else return;
  event.preventDefault();
});

// Disputes ----------------------------------------------------------------------------------------

async function loadDisputes() {
  const body = $('#disputes tbody');
  clear(body);
  try {
    const page = await api('GET', `/api/v1/appeals?pool_id=${encodeURIComponent(pool.id)}&limit=100`);
    const open = page.items.filter((a) => a.status === 'OPEN');
    setText($('#dispute-count'), open.length ? String(open.length) : '');
    $('#disputes-empty').hidden = page.items.length > 0;
    for (const appeal of page.items) body.append(disputeRow(appeal));
  } catch (err) {
    const box = $('#disputes-unavailable');
    setText(box, err.status === 404 ? 'Disputes are not available on this server.' : err.message);
  }
}

function disputeRow(appeal) {
  const actions = h('td', { class: 'button-row' });
  if (appeal.status === 'OPEN') {
    actions.append(
      h('button', { class: 'btn btn-small btn-primary', text: 'Accept the work', attrs: { type: 'button', 'data-appeal-accept': appeal.id }, on: { click: async () => {
        try {
          await api('PATCH', `/api/v1/assignments/${encodeURIComponent(appeal.assignment_id)}`, { status: 'ACCEPTED', public_comment: 'Accepted after your appeal.' });
          try {
            // Closes the dispute as ACCEPTED (a server that resolves it with the review answers 409).
            await api('POST', `/api/v1/appeals/${encodeURIComponent(appeal.id)}/resolve`, {});
          } catch (err) {
            if (err.status !== 409) throw err;
          }
          flash('The work is accepted and paid.', 'success');
          loadDisputes();
        } catch (err) {
          setText(errorBox, err.message);
        }
      } } }),
      h('button', { class: 'btn btn-small', text: 'Keep the rejection', attrs: { type: 'button', 'data-appeal-decline': appeal.id }, on: { click: async () => {
        const comment = window.prompt('A note for the worker (optional):', '') ?? null;
        if (comment === null) return;
        try {
          await api('POST', `/api/v1/appeals/${encodeURIComponent(appeal.id)}/resolve`, comment ? { comment } : {});
          flash('The dispute is closed; the rejection stands.', 'success');
          loadDisputes();
        } catch (err) {
          setText(errorBox, err.message);
        }
      } } }),
    );
  }
  return h('tr', { attrs: { 'data-appeal': appeal.id, 'data-status': appeal.status } },
    h('td', { text: `#${shortId(appeal.assignment_id)}` }),
    h('td', { text: appeal.message }),
    h('td', { text: appeal.status === 'OPEN' ? 'Open' : `Resolved: ${(appeal.outcome || '').toLowerCase()}` }),
    actions,
  );
}

function tab(which) {
  const disputes = which === 'disputes';
  $('#tab-queue').setAttribute('aria-selected', String(!disputes));
  $('#tab-disputes').setAttribute('aria-selected', String(disputes));
  $('#queue-panel').hidden = disputes;
  $('#disputes-panel').hidden = !disputes;
  if (disputes) loadDisputes();
}
$('#tab-queue').addEventListener('click', () => tab('queue'));
$('#tab-disputes').addEventListener('click', () => tab('disputes'));

load();
loadDisputes();
