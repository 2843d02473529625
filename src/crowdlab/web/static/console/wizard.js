// The pool wizard, step by step as in the seed tutorial: name, audience, speed/quality, quality
// control, price and overlap (the pool is created here), upload, tasks per suite, control tasks,
// budget and "Start labeling". Every change goes through the v1 API (POST/PUT /api/v1/pools, task
// files, budget, open), so the wizard refuses exactly what the API refuses.
import { api, pageData } from './api.js';
import { $, $$, clear, flashNext, h, money, setText, showFieldErrors } from './dom.js';
import { initLayout } from './layout.js';
import { QC_DEFAULTS, buildFilter, buildQualityControl, parseFilter, parseQualityControl } from './poolmodel.js';
import { loadControl } from './wizard_control.js';
import { showUploadReport } from './wizard_upload.js';

initLayout();

const data = pageData();
const project = data.project;
let pool = data.pool;
const STEPS = ['general', 'audience', 'speed', 'quality', 'price', 'upload', 'suite', 'control', 'start'];
const NEEDS_POOL = new Set(['upload', 'suite', 'control', 'start']);
const SAVES = new Set(['general', 'audience', 'speed', 'quality', 'price', 'suite']);
const errorBox = $('#wizard-error');
const saveState = $('#save-state');

function defaults() {
  return {
    project_id: project.id,
    private_name: `${project.public_name} — pool`,
    may_contain_adult_content: false,
    reward_per_assignment: 0.01,
    assignment_max_duration_seconds: 600,
    defaults: { default_overlap_for_new_tasks: 3, default_overlap_for_new_task_suites: 3 },
    mixer_config: { real_tasks_count: 4, golden_tasks_count: 1, training_tasks_count: 0 },
    auto_accept_solutions: true,
    speed_quality_balance: { type: 'TOP_PERCENTAGE_BY_QUALITY', percent: 100 },
    quality_control: { configs: [] },
  };
}

const draft = pool ? JSON.parse(JSON.stringify(pool)) : defaults();
let audience = parseFilter(draft.filter);
let qc = parseQualityControl(draft.quality_control);

// Form <-> draft ----------------------------------------------------------------------------------

function fill() {
  $('#pool-name').value = draft.private_name || '';
  const own = draft.public_description && draft.public_description !== project.public_description;
  $('#use-project-description').checked = !own;
  $('#pool-description').value = own ? draft.public_description : project.public_description || '';
  $('#pool-description').disabled = !own;
  for (const box of $$('input[name=language]')) box.checked = audience.languages.includes(box.value);
  $('#countries').value = audience.countries.join(', ');
  $('#age-from').value = audience.ageFrom || '';
  $('#age-to').value = audience.ageTo || '';
  for (const box of $$('input[name=device]')) box.checked = audience.devices.includes(box.value);
  $('#adult-content').checked = Boolean(draft.may_contain_adult_content);
  const percent = String((draft.speed_quality_balance && draft.speed_quality_balance.percent) || 100);
  for (const radio of $$('input[name=speed]')) radio.checked = radio.value === percent;
  if (!$$('input[name=speed]').some((r) => r.checked)) $$('input[name=speed]')[0].checked = true;
  for (const block of $$('[data-qc]')) {
    const name = block.dataset.qc;
    const values = qc.rules[name] || QC_DEFAULTS[name];
    block.querySelector('[data-qc-enable]').checked = Boolean(qc.rules[name]);
    for (const input of block.querySelectorAll('[data-qc-param]')) input.value = values[input.dataset.qcParam];
  }
  const manual = draft.auto_accept_solutions === false;
  for (const radio of $$('input[name=review]')) radio.checked = radio.value === (manual ? 'manual' : 'auto');
  $('#review-days').value = draft.auto_accept_period_day || 7;
  $('#price').value = draft.reward_per_assignment;
  $('#overlap').value = (draft.defaults && draft.defaults.default_overlap_for_new_tasks) || 1;
  $('#duration').value = draft.assignment_max_duration_seconds;
  const mixer = draft.mixer_config || {};
  $('#real-count').value = mixer.real_tasks_count ?? 1;
  $('#golden-count').value = mixer.golden_tasks_count ?? 0;
  $('#training-count').value = mixer.training_tasks_count ?? 0;
}

const num = (selector) => {
  const raw = $(selector).value.trim();
  return raw === '' ? null : Number(raw);
};

/** The pool body from the form (every field the API accepts; the rest of the draft is kept). */
function read() {
  const body = { ...draft };
  for (const key of ['id', 'status', 'created', 'owner', 'type', 'last_started', 'last_stopped', 'last_close_reason']) delete body[key];
  body.project_id = project.id;
  body.private_name = $('#pool-name').value.trim();
  if ($('#use-project-description').checked) delete body.public_description;
  else body.public_description = $('#pool-description').value.trim();
  audience = {
    ...audience,
    languages: $$('input[name=language]:checked').map((b) => b.value),
    countries: $('#countries').value.split(/[\s,]+/).map((c) => c.trim().toUpperCase()).filter(Boolean),
    ageFrom: num('#age-from'),
    ageTo: num('#age-to'),
    devices: $$('input[name=device]:checked').map((b) => b.value),
    skills: $$('[data-skill]').filter((row) => row.querySelector('input[type=checkbox]').checked).map((row) => ({ id: row.dataset.skill, min: Number(row.querySelector('input[type=number]').value) || 0 })),
  };
  const filter = buildFilter(audience);
  if (filter) body.filter = filter;
  else delete body.filter;
  body.may_contain_adult_content = $('#adult-content').checked;
  const speed = $('input[name=speed]:checked');
  body.speed_quality_balance = { type: 'TOP_PERCENTAGE_BY_QUALITY', percent: Number(speed ? speed.value : 100) };
  const rules = {};
  for (const block of $$('[data-qc]')) {
    if (!block.querySelector('[data-qc-enable]').checked) continue;
    const values = {};
    for (const input of block.querySelectorAll('[data-qc-param]')) values[input.dataset.qcParam] = input.tagName === 'SELECT' ? input.value : Number(input.value);
    rules[block.dataset.qc] = values;
  }
  qc = { ...qc, rules };
  body.quality_control = buildQualityControl(qc);
  const manual = $('input[name=review]:checked');
  body.auto_accept_solutions = !(manual && manual.value === 'manual');
  if (body.auto_accept_solutions) delete body.auto_accept_period_day;
  else body.auto_accept_period_day = num('#review-days');
  body.reward_per_assignment = num('#price');
  const overlap = num('#overlap');
  body.defaults = { ...(draft.defaults || {}), default_overlap_for_new_tasks: overlap, default_overlap_for_new_task_suites: overlap };
  body.assignment_max_duration_seconds = num('#duration');
  body.mixer_config = {
    ...(draft.mixer_config || {}),
    real_tasks_count: num('#real-count'),
    golden_tasks_count: num('#golden-count'),
    training_tasks_count: num('#training-count'),
  };
  return body;
}

// Steps -------------------------------------------------------------------------------------------

let current = STEPS.includes(data.step) ? data.step : pool ? 'upload' : 'general';

function stepOf(errorKey) {
  if (/^(private_name|public_description)/.test(errorKey)) return 'general';
  if (/^(filter|may_contain_adult_content)/.test(errorKey)) return 'audience';
  if (/^speed_quality_balance/.test(errorKey)) return 'speed';
  if (/^(quality_control|auto_accept)/.test(errorKey)) return 'quality';
  if (/^mixer_config/.test(errorKey)) return 'suite';
  return 'price';
}

function show(step) {
  current = step;
  setText(errorBox, '');
  for (const panel of $$('.wizard-panel')) panel.hidden = panel.dataset.panel !== step;
  for (const button of $$('.wizard-step')) {
    const locked = NEEDS_POOL.has(button.dataset.step) && !pool;
    button.disabled = locked;
    if (button.dataset.step === step) button.setAttribute('aria-current', 'step');
    else button.removeAttribute('aria-current');
    button.title = locked ? 'Create the pool first (step 5)' : '';
  }
  const index = STEPS.indexOf(step);
  $('#wizard-back').hidden = index === 0;
  const next = $('#wizard-next');
  next.hidden = step === 'start';
  next.textContent = step === 'price' ? (pool ? 'Save and continue' : 'Create the pool and continue') : 'Next';
  if (pool) history.replaceState(null, '', `/console/pools/${pool.id}/setup?step=${step}`);
  if (step === 'audience') loadSkills();
  if (step === 'upload') refreshCounts();
  if (step === 'suite') refreshCounts();
  if (step === 'control') loadControl(pool, $('#control-filter').value);
  if (step === 'start') loadBudget();
  if (step === 'price') priceNote();
}

async function save() {
  const body = read();
  showFieldErrors(document, {});
  setText(saveState, 'Saving…');
  try {
    pool = pool
      ? await api('PUT', `/api/v1/pools/${encodeURIComponent(pool.id)}`, body)
      : await api('POST', '/api/v1/pools', body);
    Object.assign(draft, pool);
    $('#wizard-title').textContent = 'Set up the pool';
    setText(saveState, 'Saved');
    return true;
  } catch (err) {
    setText(saveState, '');
    if (err.payload) {
      const first = Object.keys(err.payload)[0] || '';
      if (stepOf(first) !== current) show(stepOf(first));
      const left = showFieldErrors(document, err.payload);
      setText(errorBox, left.length ? left.join(' ') : 'Some fields need attention.');
    } else {
      setText(errorBox, err.message);
    }
    return false;
  }
}

$('#wizard-next').addEventListener('click', async () => {
  const index = STEPS.indexOf(current);
  if ((SAVES.has(current) && pool) || current === 'price') {
    if (!(await save())) return;
  }
  show(STEPS[Math.min(index + 1, STEPS.length - 1)]);
});
$('#wizard-back').addEventListener('click', () => show(STEPS[Math.max(0, STEPS.indexOf(current) - 1)]));
for (const button of $$('.wizard-step')) {
  button.addEventListener('click', async () => {
    if (pool && SAVES.has(current) && !(await save())) return;
    show(button.dataset.step);
  });
}
$('#use-project-description').addEventListener('change', (event) => {
  $('#pool-description').disabled = event.target.checked;
  if (event.target.checked) $('#pool-description').value = project.public_description || '';
});

// Step contents -------------------------------------------------------------------------------------

let skillsLoaded = false;
async function loadSkills() {
  if (skillsLoaded) return;
  const box = $('#skills');
  try {
    const skills = await api('GET', '/api/v1/skills?limit=100');
    skillsLoaded = true;
    clear(box);
    if (!skills.items.length) {
      box.append(h('p', { class: 'muted small', text: 'You have no skills yet. Skills are set by quality rules or through the API.' }));
      return;
    }
    for (const skill of skills.items) {
      const chosen = audience.skills.find((s) => s.id === skill.id);
      box.append(
        h('div', { class: 'skill-row', attrs: { 'data-skill': skill.id } },
          h('label', { class: 'check' }, h('input', { attrs: { type: 'checkbox' }, props: { checked: Boolean(chosen) } }), ` ${skill.name}`),
          h('span', { class: 'muted small', text: ' at least ' }),
          h('input', { attrs: { type: 'number', min: '0', max: '100', 'aria-label': `Minimum ${skill.name}` }, props: { value: chosen ? chosen.min : 50 } }),
        ),
      );
    }
  } catch (err) {
    box.textContent = err.message;
  }
}

function priceNote() {
  const price = Number($('#price').value) || 0;
  const per = Number($('#real-count').value) || 1;
  setText($('#price-note'), `About ${money(price / per)} per task per worker, before the platform fee.`);
}
$('#price').addEventListener('input', priceNote);

async function refreshCounts() {
  if (!pool) return;
  try {
    const info = await api('GET', `/api/console/pools/${encodeURIComponent(pool.id)}/control-tasks?limit=1`);
    const c = info.counts;
    const text = `The pool has ${c.general} general task(s) and ${c.golden} control task(s).`;
    setText($('#task-counts'), text);
    setText($('#suite-note'), `${text} With overlap ${$('#overlap').value}, each general task is answered by that many workers.`);
  } catch (err) {
    setText($('#task-counts'), err.message);
  }
}

$('#upload-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $('#task-file').files[0];
  const result = $('#upload-result');
  clear(result);
  if (!file) {
    result.append(h('p', { class: 'notice notice-error', text: 'Choose a file first.', attrs: { role: 'alert' } }));
    return;
  }
  const form = new FormData();
  form.append('file', file, file.name);
  const skip = $('#skip-invalid').checked;
  const button = $('#upload-button');
  button.disabled = true;
  try {
    const report = await api('POST', `/api/v1/pools/${encodeURIComponent(pool.id)}/task-files?skip_invalid_items=${skip}`, form);
    showUploadReport(result, report, null);
  } catch (err) {
    showUploadReport(result, err.payload && err.payload.file, err.message);
  } finally {
    button.disabled = false;
    refreshCounts();
  }
});

function templateLinks() {
  for (const format of ['tsv', 'xlsx', 'json']) {
    const link = $(`#template-${format}`);
    link.href = `/api/v1/projects/${encodeURIComponent(project.id)}/task-template?format=${format}&golden=true`;
  }
}

$('#control-filter').addEventListener('change', () => loadControl(pool, $('#control-filter').value));

async function loadBudget() {
  const list = $('#budget');
  clear(list);
  try {
    const b = await api('GET', `/api/v1/pools/${encodeURIComponent(pool.id)}/budget`);
    const facts = [
      ['Answers still needed', String(b.answers_needed)],
      ['Task suites', String(b.task_suites)],
      ['Price per suite', money(b.reward_per_assignment)],
      ['Platform fee per suite', money(b.fee_per_assignment)],
      ['Estimated total', money(b.total)],
      ['Your free balance', money(b.free_balance)],
    ];
    for (const [term, value] of facts) list.append(h('div', { class: 'fact' }, h('dt', { text: term }), h('dd', { text: value, attrs: { 'data-fact': term } })));
    const note = $('#budget-note');
    if (!b.covered) {
      note.className = 'notice notice-warning';
      setText(note, `The estimate (${money(b.total)}) is more than your free balance (${money(b.free_balance)}). Ask an administrator to top up your account before starting.`);
    } else if (!b.answers_needed) {
      note.className = 'notice notice-warning';
      setText(note, 'The pool has no general tasks to label yet: upload tasks first.');
    } else {
      note.className = 'notice notice-success';
      setText(note, 'Your balance covers the estimate.');
    }
  } catch (err) {
    setText(errorBox, err.message);
  }
}

$('#start-labeling').addEventListener('click', async () => {
  const button = $('#start-labeling');
  button.disabled = true;
  setText(errorBox, '');
  try {
    await api('POST', `/api/v1/pools/${encodeURIComponent(pool.id)}/open`);
    flashNext('Labeling started: the pool is open to workers.');
    location.assign(`/console/pools/${encodeURIComponent(pool.id)}`);
  } catch (err) {
    const hints = {
      NOT_ENOUGH_BALANCE: ' The pool stays closed.',
      EMPTY_POOL: ' Go back to “Upload tasks”.',
    };
    const sentence = /[.!?]$/.test(err.message) ? err.message : `${err.message}.`;
    setText(errorBox, `Cannot start labeling: ${sentence}${hints[err.code] || ''}`);
    errorBox.dataset.code = err.code;
    button.disabled = false;
  }
});

fill();
templateLinks();
show(current);
if (pool && pool.status === 'OPEN') setText(errorBox, 'This pool is open. Stop it on the pool page to change its settings.');
