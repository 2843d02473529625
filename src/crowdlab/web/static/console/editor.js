// The project editor (new from a preset, or an existing project): general information, the
// Template Builder config with validation messages beside a live preview, the input/output spec
// and the instructions with a sanitized preview. Saves through POST / PUT /api/v1/projects.
import { api, pageData } from './api.js';
import { $, clear, debounce, flashNext, h, setText, showFieldErrors } from './dom.js';
import { initLayout } from './layout.js';
import { checkConfig, exampleInput, lockFor, parseJson } from './tbcheck.js';
import { mountPreview } from '/static/app/preview.js';
import { supportedTypes } from '/static/tb/renderer.js';

initLayout();

const data = pageData();
const existing = data.project;
const body = existing ? JSON.parse(JSON.stringify(existing)) : JSON.parse(JSON.stringify(data.preset.project));
const spec = body.task_spec || {};
const KNOWN = supportedTypes();

const fields = {
  name: $('#public-name'),
  description: $('#public-description'),
  config: $('#tb-config'),
  input: $('#input-spec'),
  output: $('#output-spec'),
  instructions: $('#instructions'),
};
const messages = $('#tb-messages');
const saveError = $('#save-error');

function configText(viewSpec) {
  if (!viewSpec) return '';
  if (viewSpec.type !== 'tb') return '';
  const parsed = parseJson(viewSpec.config || '');
  return parsed.error ? viewSpec.config || '' : JSON.stringify(parsed.value, null, 2);
}

fields.name.value = body.public_name || '';
fields.description.value = body.public_description || '';
fields.config.value = configText(spec.view_spec);
fields.input.value = JSON.stringify(spec.input_spec || {}, null, 2);
fields.output.value = JSON.stringify(spec.output_spec || {}, null, 2);
fields.instructions.value = body.public_instructions || '';

/** Everything the editor holds, parsed, with the problems found. */
function read() {
  const problems = [];
  const config = parseJson(fields.config.value, 'The config');
  const input = parseJson(fields.input.value || '{}', 'The input spec');
  const output = parseJson(fields.output.value || '{}', 'The output spec');
  const specErrors = {};
  if (input.error) specErrors['task_spec.input_spec'] = { message: input.error };
  if (output.error) specErrors['task_spec.output_spec'] = { message: output.error };
  if (config.error) problems.push({ level: 'error', message: config.error });
  else {
    problems.push(
      ...checkConfig(config.value, {
        inputSpec: input.value || {},
        outputSpec: output.value || {},
        known: KNOWN,
      }),
    );
  }
  return { config: config.value, input: input.value, output: output.value, problems, specErrors };
}

function showProblems(problems, serverMessage) {
  clear(messages);
  const all = [...problems];
  if (serverMessage) all.unshift({ level: 'error', message: serverMessage });
  if (!all.length) {
    messages.append(h('li', { class: 'message-ok', text: 'The config is valid.' }));
    fields.config.removeAttribute('aria-invalid');
    return;
  }
  for (const p of all) messages.append(h('li', { class: `message-${p.level}`, text: p.message, attrs: { 'data-level': p.level } }));
  if (all.some((p) => p.level === 'error')) fields.config.setAttribute('aria-invalid', 'true');
  else fields.config.removeAttribute('aria-invalid');
}

function showSpecSummary(input, output) {
  const table = $('#spec-summary');
  clear(table);
  table.append(h('thead', {}, h('tr', {}, ...['Field', 'Direction', 'Type', 'Required', 'Allowed values'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))));
  const rows = [];
  for (const [direction, specs] of [['input', input], ['output', output]]) {
    for (const [name, f] of Object.entries(specs || {})) {
      rows.push(
        h('tr', {},
          h('td', {}, h('code', { text: name })),
          h('td', { text: direction }),
          h('td', { text: (f && f.type) || '' }),
          h('td', { text: f && f.required ? 'yes' : 'no' }),
          h('td', { text: f && Array.isArray(f.allowed_values) ? f.allowed_values.join(', ') : '' }),
        ),
      );
    }
  }
  table.append(h('tbody', {}, rows));
}

let state = read();
showProblems(state.problems);
showSpecSummary(state.input, state.output);
const preview = mountPreview($('#preview'), {
  config: state.config && !state.problems.some((p) => p.level === 'error') ? state.config : { view: { type: 'view.text', content: 'Fix the config to see the preview.' } },
  outputSpec: state.output || {},
  inputValues: data.preset ? data.preset.example_input : exampleInput(state.input),
});

const refresh = debounce(() => {
  state = read();
  showProblems(state.problems);
  showSpecSummary(state.input, state.output);
  for (const [key, value] of Object.entries({ 'task_spec.input_spec': state.specErrors['task_spec.input_spec'], 'task_spec.output_spec': state.specErrors['task_spec.output_spec'] })) {
    const slot = document.querySelector(`[data-field="${key}"] .field-error`);
    setText(slot, value ? value.message : '');
  }
  if (state.config && !state.problems.some((p) => p.level === 'error')) preview.setConfig(state.config, state.output || {});
}, 350);
for (const node of [fields.config, fields.input, fields.output]) node.addEventListener('input', refresh);

$('#tb-format').addEventListener('click', () => {
  const parsed = parseJson(fields.config.value);
  if (!parsed.error) fields.config.value = JSON.stringify(parsed.value, null, 2);
  refresh();
});

// Tab inserts two spaces in the code editor (Escape then Tab leaves it, as in most editors).
let escaped = false;
fields.config.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') {
    escaped = true;
    return;
  }
  if (event.key === 'Tab' && !event.shiftKey && !escaped) {
    event.preventDefault();
    const { selectionStart: start, selectionEnd: end, value } = fields.config;
    fields.config.value = `${value.slice(0, start)}  ${value.slice(end)}`;
    fields.config.selectionStart = fields.config.selectionEnd = start + 2;
    refresh();
  }
  escaped = false;
});

const instructionsPreview = $('#instructions-preview');
async function showInstructions() {
  try {
    const result = await api('POST', '/api/console/instructions-preview', { html: fields.instructions.value });
    // Sanitized on the server by the same allow-list the worker app uses; CSP forbids scripts anyway.
    instructionsPreview.innerHTML = result.html;
  } catch (err) {
    instructionsPreview.textContent = err.message;
  }
}
fields.instructions.addEventListener('input', debounce(showInstructions, 300));
showInstructions();

function projectBody() {
  const out = { ...body };
  out.public_name = fields.name.value.trim();
  out.public_description = fields.description.value.trim();
  out.public_instructions = fields.instructions.value;
  out.task_spec = {
    ...(body.task_spec || {}),
    input_spec: state.input || {},
    output_spec: state.output || {},
    view_spec: { type: 'tb', config: fields.config.value, lock: lockFor(state.config), inferDataSpec: false },
  };
  for (const key of ['id', 'status', 'created']) delete out[key];
  return out;
}

const saveButton = $('#save-project');
saveButton.addEventListener('click', async () => {
  state = read();
  setText(saveError, '');
  showFieldErrors(document, state.specErrors);
  const errors = state.problems.filter((p) => p.level === 'error');
  if (errors.length || Object.keys(state.specErrors).length) {
    showProblems(state.problems);
    setText(saveError, errors.length ? `The task interface has ${errors.length} error(s); fix them before saving.` : 'Fix the data specification before saving.');
    (errors.length ? fields.config : fields.input).focus();
    return;
  }
  if (!fields.name.value.trim()) {
    showFieldErrors(document, { public_name: { message: 'Give the project a name workers will see' } });
    return;
  }
  saveButton.disabled = true;
  try {
    const saved = existing
      ? await api('PUT', `/api/v1/projects/${encodeURIComponent(existing.id)}`, projectBody())
      : await api('POST', '/api/v1/projects', projectBody());
    flashNext(existing ? 'Project saved.' : 'Project created. Add a pool to start labeling.');
    location.assign(`/console/projects/${encodeURIComponent(saved.id)}`);
  } catch (err) {
    saveButton.disabled = false;
    const payload = { ...(err.payload || {}) };
    const configProblem = payload['task_spec.view_spec.config'] || payload['task_spec.view_spec'];
    delete payload['task_spec.view_spec.config'];
    delete payload['task_spec.view_spec'];
    const specPayload = {};
    for (const [key, value] of Object.entries(payload)) {
      const short = key.startsWith('task_spec.input_spec') ? 'task_spec.input_spec' : key.startsWith('task_spec.output_spec') ? 'task_spec.output_spec' : key;
      specPayload[short] = value;
    }
    const left = showFieldErrors(document, specPayload);
    if (configProblem) {
      showProblems(state.problems, configProblem.message || String(configProblem));
      fields.config.focus();
    }
    setText(saveError, left.length ? left.join(' ') : configProblem ? 'The server refused the task interface.' : err.payload ? 'Some fields need attention.' : err.message);
  }
});
