// The /preview page: edit a Template Builder config (and output spec), preview it with the shared
// preview module. Edits are kept in this browser so a reload does not lose them.
import { initLayout } from './layout.js';
import { mountPreview } from './preview.js';
import { setText } from './ui.js';

initLayout();

const STORE = 'crowdlab.preview';
const SAMPLE = {
  config: {
    view: {
      type: 'view.list',
      items: [
        { type: 'view.image', url: { type: 'data.input', path: 'image' }, ratio: [4, 3] },
        {
          type: 'field.radio-group',
          label: 'Who is in the picture?',
          data: { type: 'data.output', path: 'result' },
          options: [{ value: 'cat', label: 'Cat' }, { value: 'dog', label: 'Dog' }],
          validation: { type: 'condition.required', hint: 'Choose an answer' },
        },
      ],
    },
    plugins: [
      {
        type: 'plugin.hotkeys',
        1: { type: 'action.set', data: { type: 'data.output', path: 'result' }, payload: 'cat' },
        2: { type: 'action.set', data: { type: 'data.output', path: 'result' }, payload: 'dog' },
      },
      { type: 'plugin.toloka', layout: { kind: 'scroll', taskWidth: 500 } },
    ],
  },
  outputSpec: { result: { type: 'string', required: true, allowed_values: ['cat', 'dog'] } },
  inputValues: { image: '/static/app/sample.svg' },
};

function loadSaved() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE) || 'null');
    if (saved && typeof saved === 'object' && saved.config) return { ...SAMPLE, ...saved };
  } catch {
    /* fall back to the sample */
  }
  return SAMPLE;
}

function save(state) {
  try {
    localStorage.setItem(STORE, JSON.stringify(state));
  } catch {
    /* private mode */
  }
}

const state = { ...loadSaved() };
const configEditor = document.getElementById('config-editor');
const specEditor = document.getElementById('output-spec-editor');
const error = document.getElementById('config-error');

function fill() {
  configEditor.value = JSON.stringify(state.config, null, 2);
  specEditor.value = JSON.stringify(state.outputSpec || {}, null, 2);
}

fill();
const preview = mountPreview(document.getElementById('preview'), {
  config: state.config,
  outputSpec: state.outputSpec,
  inputValues: state.inputValues,
  onInputChange: (values) => {
    state.inputValues = values;
    save(state);
  },
});

function parse(text, what) {
  try {
    return JSON.parse(text || '{}');
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${err.message}`);
  }
}

document.getElementById('config-apply').addEventListener('click', () => {
  try {
    let config = parse(configEditor.value, 'The config');
    // Accept a whole project view_spec too ({type: "tb", config: "<json>"}).
    if (config && typeof config.config === 'string') config = parse(config.config, 'view_spec.config');
    const outputSpec = parse(specEditor.value, 'The output spec');
    setText(error, '');
    state.config = config;
    state.outputSpec = outputSpec;
    save(state);
    preview.setConfig(config, outputSpec);
  } catch (err) {
    setText(error, err.message);
    configEditor.focus();
  }
});

document.getElementById('config-reset').addEventListener('click', () => {
  Object.assign(state, SAMPLE);
  save(state);
  fill();
  setText(error, '');
  preview.setConfig(state.config, state.outputSpec);
  preview.setInputValues(state.inputValues);
});
