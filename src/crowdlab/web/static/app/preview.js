// A reusable task preview: renders a Template Builder config with input data, exactly as workers see
// it, with "change input data" (a JSON editor) and "view responses" (the output values the answers
// produce). The requester console can mount it anywhere:
//
//   import { mountPreview } from '/static/app/preview.js';
//   const preview = mountPreview(container, { config, inputValues, outputSpec, onUnsupported });
//   preview.setConfig(config, outputSpec); preview.setInputValues(values); preview.getSolutions();
//
// `inputValues` is one task's input object or an array of them (a suite of several tasks).
import { mountSuite } from '/static/tb/renderer.js';
import { el, setText } from './ui.js';

function asTasks(inputValues) {
  const list = Array.isArray(inputValues) ? inputValues : [inputValues || {}];
  return list.map((values, i) => ({ id: `preview-${i}`, input_values: values && typeof values === 'object' ? values : {} }));
}

export function mountPreview(container, options = {}) {
  let config = options.config;
  let outputSpec = options.outputSpec || {};
  let inputValues = options.inputValues === undefined ? {} : options.inputValues;
  let suite = null;
  const unsupported = new Set();

  const editButton = el('button', { class: 'btn btn-small', text: 'Change input data', attrs: { type: 'button', 'aria-expanded': 'false', 'data-action': 'edit-input' } });
  const responsesButton = el('button', { class: 'btn btn-small', text: 'View responses', attrs: { type: 'button', 'aria-expanded': 'false', 'data-action': 'view-responses' } });
  const validateButton = el('button', { class: 'btn btn-small btn-quiet', text: 'Check answers', attrs: { type: 'button', 'data-action': 'validate' } });
  const toolbar = el('div', { class: 'preview-toolbar' }, editButton, responsesButton, validateButton);

  const unsupportedBox = el('div', { class: 'notice notice-warning', attrs: { role: 'status', 'data-preview': 'unsupported' } });
  unsupportedBox.hidden = true;
  const status = el('div', { class: 'notice', attrs: { role: 'status', 'data-preview': 'status' } });
  status.hidden = true;

  const inputEditor = el('textarea', { class: 'code', attrs: { rows: '8', spellcheck: 'false', autocapitalize: 'none', 'aria-label': 'Input data (JSON)' } });
  const inputError = el('p', { class: 'field-error', attrs: { role: 'alert' } });
  inputError.hidden = true;
  const applyInput = el('button', { class: 'btn btn-primary btn-small', text: 'Apply', attrs: { type: 'button', 'data-action': 'apply-input' } });
  const inputPanel = el(
    'div',
    { class: 'preview-panel card', attrs: { 'data-preview': 'input' } },
    el('strong', { text: 'Input data' }),
    el('p', { class: 'hint', text: 'One task’s input values as a JSON object, or an array of them for a suite of several tasks.' }),
    inputEditor,
    inputError,
    el('div', { class: 'form-actions' }, applyInput),
  );
  inputPanel.hidden = true;

  const responsesOut = el('pre', { attrs: { 'data-preview': 'responses-json' } });
  const responsesPanel = el(
    'div',
    { class: 'preview-panel card', attrs: { 'data-preview': 'responses' } },
    el('strong', { text: 'Responses' }),
    el('p', { class: 'hint', text: 'What would be submitted: one {output_values} per task, updated as you answer.' }),
    responsesOut,
  );
  responsesPanel.hidden = true;

  const stage = el('div', { class: 'preview-suite' });
  const root = el('div', { class: 'preview', attrs: { 'data-preview-root': '' } }, toolbar, unsupportedBox, status, inputPanel, responsesPanel, stage);
  container.append(root);

  const showResponses = () => {
    if (!responsesPanel.hidden && suite) responsesOut.textContent = JSON.stringify(suite.getSolutions(), null, 2);
  };

  const report = (type) => {
    unsupported.add(type);
    unsupportedBox.textContent = `Not supported by the worker app (workers see a placeholder): ${[...unsupported].join(', ')}`;
    unsupportedBox.hidden = false;
    if (typeof options.onUnsupported === 'function') options.onUnsupported(type);
  };

  const render = () => {
    if (suite) suite.destroy();
    suite = null;
    unsupported.clear();
    unsupportedBox.hidden = true;
    setText(status, '');
    try {
      suite = mountSuite(stage, {
        config,
        tasks: asTasks(inputValues),
        outputSpec,
        onChange: showResponses,
        onUnsupported: report,
        onError: (err) => {
          status.className = 'notice notice-warning';
          setText(status, `A component failed: ${(err && err.message) || err}`);
        },
      });
    } catch (err) {
      status.className = 'notice notice-error';
      setText(status, `The template could not be rendered: ${err.message || err}`);
    }
    showResponses();
  };

  const toggle = (panel, button, open) => {
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
  };

  editButton.addEventListener('click', () => {
    const open = inputPanel.hidden;
    if (open) inputEditor.value = JSON.stringify(inputValues, null, 2);
    setText(inputError, '');
    toggle(inputPanel, editButton, open);
    if (open) inputEditor.focus();
  });
  applyInput.addEventListener('click', () => {
    let parsed;
    try {
      parsed = JSON.parse(inputEditor.value);
    } catch (err) {
      setText(inputError, `Not valid JSON: ${err.message}`);
      return;
    }
    if (parsed === null || typeof parsed !== 'object') {
      setText(inputError, 'Input data must be a JSON object (or an array of objects).');
      return;
    }
    setText(inputError, '');
    inputValues = parsed;
    render();
    if (typeof options.onInputChange === 'function') options.onInputChange(parsed);
  });
  responsesButton.addEventListener('click', () => {
    toggle(responsesPanel, responsesButton, responsesPanel.hidden);
    showResponses();
  });
  validateButton.addEventListener('click', () => {
    if (!suite) return;
    const result = suite.validate({ focus: true });
    status.className = `notice ${result.ok ? 'notice-success' : 'notice-warning'}`;
    const problems = [...new Set(result.errors.map((e) => `task ${e.taskIndex + 1}: ${e.message}`))];
    setText(status, result.ok ? 'All answers pass validation.' : `${problems.length} problem(s): ${problems.join('; ')}`);
    showResponses();
  });

  render();
  return {
    setConfig(next, nextOutputSpec) {
      config = next;
      if (nextOutputSpec !== undefined) outputSpec = nextOutputSpec || {};
      render();
    },
    setInputValues(values) {
      inputValues = values;
      render();
    },
    getSolutions: () => (suite ? suite.getSolutions() : []),
    get suite() {
      return suite;
    },
    unsupported: () => [...unsupported],
    destroy() {
      if (suite) suite.destroy();
      root.remove();
    },
  };
}
