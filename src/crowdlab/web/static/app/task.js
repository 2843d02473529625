// The task page: one task suite rendered by the Template Builder renderer, with instructions,
// countdown, validation before submit, training hints, autosave, skip and keyboard shortcuts.
import { mountSuite } from '/static/tb/renderer.js';
import { api, ApiError } from './api.js';
import { startCountdown } from './countdown.js';
import { dropDraft, loadDraft, pruneDrafts, saveDraft } from './drafts.js';
import { initLayout } from './layout.js';
import { takeSuite } from './take.js';
import { configHotkeys, installTaskKeys } from './task-keys.js';
import { el, flashNext, formatDate, money, parseWireDate, setText } from './ui.js';

initLayout();
pruneDrafts();

const data = JSON.parse(document.getElementById('page-data').textContent);
const project = data.project || {};
const assignmentId = data.id;
const host = document.getElementById('suite');
const notices = document.getElementById('notices');
const submitButton = document.getElementById('submit');
const skipButton = document.getElementById('skip');
const skipConfirm = document.getElementById('skip-confirm');
const saveState = document.getElementById('save-state');
const keysHelp = document.getElementById('keys-help');
const keysToggle = document.getElementById('keys-toggle');
const done = document.getElementById('done');

const state = { suite: null, busy: false, over: false, stopCountdown: () => {}, unsupported: new Set() };

// ---- notices ------------------------------------------------------------------------------------

/** Show (or replace, by key) a notice above the tasks; text may be a string or nodes. */
function notice(key, kind, title, ...body) {
  const existing = notices.querySelector(`[data-notice="${key}"]`);
  const box = el(
    'div',
    { class: `notice notice-${kind}`, attrs: { 'data-notice': key, role: kind === 'error' ? 'alert' : 'status' } },
    title ? el('span', { class: 'notice-title', text: title }) : null,
    ...body.map((b) => (typeof b === 'string' ? el('p', { text: b }) : b)),
  );
  if (existing) existing.replaceWith(box);
  else notices.append(box);
  return box;
}

function dropNotice(key) {
  const existing = notices.querySelector(`[data-notice="${key}"]`);
  if (existing) existing.remove();
}

function backLink() {
  return el('p', {}, el('a', { class: 'btn btn-small', attrs: { href: '/worker' }, text: 'Back to tasks' }));
}

// ---- the template ------------------------------------------------------------------------------

function decodeConfig(viewSpec) {
  if (!viewSpec || typeof viewSpec !== 'object') return null;
  if (typeof viewSpec.config === 'string') {
    try {
      return JSON.parse(viewSpec.config);
    } catch {
      return viewSpec.config; // the renderer reports the syntax error itself
    }
  }
  if (viewSpec.config && typeof viewSpec.config === 'object') return viewSpec.config;
  if (viewSpec.view) return viewSpec;
  return null;
}

function reportUnsupported(type) {
  state.unsupported.add(type);
  notice(
    'unsupported',
    'warning',
    'Part of this task cannot be shown',
    `This app cannot display: ${[...state.unsupported].join(', ')}. Answer what you can, or skip the suite. ` +
      'The requester sees the same warning in the task preview.',
  );
}

function mount(config, { readOnly = false, initialOutputs = null } = {}) {
  host.replaceChildren();
  try {
    state.suite = mountSuite(host, {
      config,
      tasks: data.tasks,
      outputSpec: project.output_spec || {},
      initialOutputs,
      readOnly,
      onChange: readOnly ? undefined : () => scheduleSave(),
      uploadFile: readOnly ? undefined : uploadFile,
      onUnsupported: reportUnsupported,
      onError: (err) => notice('render-error', 'warning', 'Part of this task failed to display', String((err && err.message) || err)),
    });
  } catch (err) {
    state.suite = null;
    notice('render-error', 'error', 'This task could not be displayed', String(err.message || err), 'You can skip this suite.');
  }
  return state.suite;
}

/** field.file / media-file / audio: the file becomes an attachment of this assignment. */
async function uploadFile(blob) {
  const form = new FormData();
  form.append('file', blob, blob.name || `recording.${(blob.type.split('/')[1] || 'bin').split(';')[0]}`);
  const response = await fetch(`/api/worker/assignments/${encodeURIComponent(assignmentId)}/attachments`, {
    method: 'POST',
    body: form,
    credentials: 'same-origin',
  });
  const body = await response.json().catch(() => null);
  if (!response.ok || !body || !body.id) throw new Error((body && body.message) || `Upload failed (${response.status})`);
  return body.id;
}

// ---- autosave ----------------------------------------------------------------------------------

let saveQueued = false;

function saveNow() {
  saveQueued = false;
  if (!state.suite || state.over) return;
  const outputs = state.suite.getSolutions().map((s) => s.output_values);
  const ok = saveDraft(assignmentId, outputs, state.suite.activeTask);
  saveState.textContent = ok
    ? `Saved on this device · ${new Date().toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`
    : 'Could not save a copy on this device';
}

function scheduleSave() {
  if (saveQueued) return;
  saveQueued = true;
  queueMicrotask(saveNow);
}

// ---- submit ------------------------------------------------------------------------------------

function clearServerErrors() {
  for (const box of host.querySelectorAll('.app-task-error')) box.remove();
}

function taskElement(i) {
  return state.suite ? state.suite.element.querySelector(`.tb-task[data-task-index="${i}"]`) : null;
}

/** Put the server's VALIDATION_ERROR payload next to the tasks it is about. */
function showServerErrors(payload) {
  const byTask = new Map();
  const general = [];
  for (const [key, value] of Object.entries(payload || {})) {
    const message = value && value.message ? value.message : String(value);
    const m = /^solutions\.(\d+)\.output_values(?:\.(.+))?$/.exec(key);
    if (m && taskElement(Number(m[1]))) {
      const list = byTask.get(Number(m[1])) || [];
      list.push(m[2] ? `${m[2]}: ${message}` : message);
      byTask.set(Number(m[1]), list);
    } else {
      general.push(message);
    }
  }
  for (const [i, messages] of byTask) {
    const box = el('div', { class: 'app-task-error', attrs: { role: 'alert' } }, ...messages.map((t) => el('div', { text: t })));
    taskElement(i).append(box);
  }
  notice('submit', 'error', 'Some answers were not accepted', ...(general.length ? general : ['See the messages next to the tasks.']));
  if (byTask.size) state.suite.focusTask(Math.min(...byTask.keys()));
}

function showTrainingFeedback(feedback) {
  const wrong = new Map();
  for (const item of feedback) {
    if (item && Number.isInteger(item.task_index)) wrong.set(item.task_index, item.hint || 'This answer is not right.');
  }
  data.tasks.forEach((_, i) => state.suite.showHint(i, wrong.get(i) || ''));
  const n = wrong.size;
  notice(
    'submit',
    'warning',
    n === 1 ? 'One answer is not right yet' : `${n} answers are not right yet`,
    'Read the hint under the task, correct your answer and submit again.',
  );
  if (n) state.suite.focusTask(Math.min(...wrong.keys()));
}

function finish(result) {
  state.over = true;
  state.stopCountdown();
  dropDraft(assignmentId);
  document.getElementById('countdown').hidden = true;
  document.getElementById('actionbar').hidden = true;
  keysHelp.hidden = true;
  notices.replaceChildren();
  if (state.suite) state.suite.destroy();
  state.suite = null;
  const reward = money(result.reward);
  const accepted = result.status === 'ACCEPTED';
  const next = el('button', { class: 'btn btn-primary', text: 'Next suite', attrs: { type: 'button', id: 'next-suite' } });
  const problem = el('p', { class: 'field-error', attrs: { role: 'alert' } });
  problem.hidden = true;
  next.addEventListener('click', async () => {
    next.disabled = true;
    setText(problem, await takeSuite(data.pool_id));
    next.disabled = false;
  });
  done.replaceChildren(
    el('h2', { text: 'Submitted. Thank you!' }),
    el('p', {
      class: 'done-amount',
      text: accepted ? `${reward} added to your balance.` : `${reward} will be added when the requester accepts your answers.`,
    }),
    el(
      'div',
      { class: 'form-actions' },
      next,
      el('a', { class: 'btn', text: 'Back to tasks', attrs: { href: '/worker' } }),
      el('a', { class: 'btn btn-quiet', text: 'Earnings', attrs: { href: '/worker/earnings' } }),
    ),
    problem,
  );
  done.hidden = false;
  next.focus();
}

async function submit() {
  if (state.busy || state.over || !state.suite) return;
  clearServerErrors();
  dropNotice('submit');
  const check = state.suite.validate({ focus: true });
  if (!check.ok) {
    const tasks = new Set(check.errors.map((e) => e.taskIndex)).size;
    notice(
      'submit',
      'warning',
      tasks === 1 ? 'One task needs your attention' : `${tasks} tasks need your attention`,
      'The problems are shown next to the fields.',
    );
    return;
  }
  state.busy = true;
  submitButton.disabled = true;
  try {
    const result = await api('POST', `/api/worker/assignments/${encodeURIComponent(assignmentId)}/submit`, {
      solutions: state.suite.getSolutions(),
    });
    if (result && result.status === 'ACTIVE' && Array.isArray(result.feedback) && result.feedback.length) {
      showTrainingFeedback(result.feedback);
    } else {
      finish(result || {});
    }
  } catch (err) {
    if (err instanceof ApiError && err.code === 'VALIDATION_ERROR' && err.payload) {
      showServerErrors(err.payload);
    } else if (err instanceof ApiError && (err.code === 'INAPPROPRIATE_STATUS' || err.status === 404)) {
      endWith('This task suite is no longer active', err.message);
    } else {
      notice('submit', 'error', 'Your answers were not sent', `${err.message} They are saved on this device; try again.`);
    }
  } finally {
    state.busy = false;
    if (!state.over) submitButton.disabled = false;
  }
}

function endWith(title, text) {
  state.over = true;
  state.stopCountdown();
  dropDraft(assignmentId);
  submitButton.disabled = true;
  skipButton.disabled = true;
  notice('over', 'error', title, text, backLink());
}

// ---- skip --------------------------------------------------------------------------------------

function setSkipConfirm(open) {
  skipConfirm.hidden = !open;
  skipButton.hidden = open;
  (open ? document.getElementById('skip-no') : skipButton).focus();
}

async function skip() {
  const yes = document.getElementById('skip-yes');
  yes.disabled = true;
  try {
    await api('POST', `/api/worker/assignments/${encodeURIComponent(assignmentId)}/skip`);
    dropDraft(assignmentId);
    flashNext('Suite skipped. Its tasks went back to the pool.', 'info');
    location.assign('/worker');
  } catch (err) {
    yes.disabled = false;
    setSkipConfirm(false);
    notice('skip', 'error', 'Could not skip', err.message);
  }
}

// ---- key help ----------------------------------------------------------------------------------

function toggleHelp(force) {
  const open = typeof force === 'boolean' ? force : keysHelp.hidden;
  keysHelp.hidden = !open;
  keysToggle.setAttribute('aria-expanded', String(open));
  if (open) keysHelp.scrollIntoView({ block: 'nearest' });
}

// ---- finished assignments ----------------------------------------------------------------------

const STATUS_TEXT = {
  SUBMITTED: ['Submitted', 'Your answers are waiting for the requester’s review.'],
  ACCEPTED: ['Accepted', 'The requester accepted these answers.'],
  REJECTED: ['Rejected', 'The requester rejected these answers. You can appeal on the Earnings page.'],
  SKIPPED: ['Skipped', 'You skipped this task suite.'],
  EXPIRED: ['Expired', 'The time for this task suite ran out.'],
};

function showFinished(config) {
  state.over = true;
  document.getElementById('actionbar').hidden = true;
  const [title, text] = STATUS_TEXT[data.status] || [data.status, ''];
  const when = parseWireDate(data[data.status.toLowerCase()]);
  const extra = [];
  if (data.public_comment) extra.push(el('p', { text: `Requester’s comment: ${data.public_comment}` }));
  notice(
    'status',
    data.status === 'REJECTED' || data.status === 'EXPIRED' ? 'warning' : 'info',
    when ? `${title} · ${formatDate(when)}` : title,
    text,
    ...extra,
    el(
      'p',
      {},
      el('a', { class: 'btn btn-small', attrs: { href: '/worker' }, text: 'Back to tasks' }),
      ' ',
      el('a', { class: 'btn btn-small btn-quiet', attrs: { href: '/worker/earnings' }, text: 'Earnings' }),
    ),
  );
  const solutions = Array.isArray(data.solutions) ? data.solutions.map((s) => (s && s.output_values) || {}) : null;
  if (config && solutions) mount(config, { readOnly: true, initialOutputs: solutions });
}

// ---- start -------------------------------------------------------------------------------------

function start() {
  const config = decodeConfig(project.view_spec);
  host.replaceChildren();
  if (data.status !== 'ACTIVE') {
    showFinished(config);
    return;
  }
  if (!config) {
    notice(
      'render-error',
      'error',
      'This task cannot be shown here',
      'Its interface is not a Template Builder template, which is the only kind this app displays. Please skip this suite.',
    );
  } else {
    const draft = loadDraft(assignmentId);
    const suite = mount(config, { initialOutputs: draft ? draft.outputs : null });
    if (suite && draft) {
      saveState.textContent = 'Your saved answers were restored';
      if (Number.isInteger(draft.active) && draft.active > 0) suite.focusTask(draft.active);
    }
    const keys = configHotkeys(config);
    if (keys.length) {
      setText(document.getElementById('keys-project'), `This project also uses the keys: ${keys.join(', ')}.`);
    }
  }
  installTaskKeys(() => state.suite, { submit, toggleHelp: () => toggleHelp() });
  submitButton.addEventListener('click', submit);
  skipButton.addEventListener('click', () => setSkipConfirm(true));
  document.getElementById('skip-no').addEventListener('click', () => setSkipConfirm(false));
  document.getElementById('skip-yes').addEventListener('click', skip);
  skipConfirm.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') setSkipConfirm(false);
  });
  keysToggle.addEventListener('click', () => toggleHelp());
  window.addEventListener('pagehide', () => {
    if (state.suite && !state.over) saveNow();
  });
  state.stopCountdown = startCountdown(document.getElementById('countdown'), {
    expires: data.expires,
    serverNow: data.server_now,
    announce: (text) => setText(saveState, text),
    onExpire: () =>
      endWith('Time is up', 'This task suite has expired, so it can no longer be submitted. Take another one from the task list.'),
  });
}

start();
