// The control-tasks step: the distribution of the correct answers (a bar chart per output field)
// and the pool's tasks, each of which can be marked as a control task with its correct answer.
import { api } from './api.js';
import { $, clear, h, setText } from './dom.js';
import { barChart } from './charts.js';

let after = null;
let kind = 'all';
let poolRef = null;

function inputSummary(values) {
  return Object.entries(values || {}).map(([key, value]) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (typeof value === 'string' && /^https?:\/\//.test(value)) {
      const link = h('a', { text: text.split('/').pop() || text, attrs: { href: value, target: '_blank', rel: 'noopener noreferrer' } });
      const path = value.split(/[?#]/)[0];
      let media = null;
      // Listen to / look at the task before giving its correct answer.
      if (/audio|sound|voice/i.test(key) || /\.(wav|mp3|ogg|oga|flac|m4a|aac)$/i.test(path)) {
        media = h('audio', { class: 'control-media', attrs: { controls: true, preload: 'none', src: value } });
      } else if (/image|photo|picture/i.test(key) || /\.(png|jpe?g|gif|webp|svg)$/i.test(path)) {
        media = h('img', { class: 'control-thumb', attrs: { src: value, alt: '', loading: 'lazy', referrerpolicy: 'no-referrer' } });
      }
      return h('div', { class: 'control-input' }, h('span', { class: 'muted small', text: `${key}: ` }), link, media);
    }
    return h('div', {}, h('span', { class: 'muted small', text: `${key}: ` }), text.length > 80 ? `${text.slice(0, 80)}…` : text);
  });
}

function chosenField(outputSpec) {
  const names = Object.keys(outputSpec || {});
  return names.find((n) => Array.isArray(outputSpec[n].allowed_values)) || names[0];
}

function answerControl(task, spec, field) {
  const known = ((task.known_solutions || [])[0] || {}).output_values || {};
  const allowed = spec[field] && spec[field].allowed_values;
  if (Array.isArray(allowed)) {
    return h('select', { attrs: { 'aria-label': `Correct ${field}`, 'data-answer': task.id } },
      h('option', { text: '—', attrs: { value: '' } }),
      ...allowed.map((v) => h('option', { text: String(v), attrs: { value: String(v) }, props: { selected: String(known[field]) === String(v) } })),
    );
  }
  return h('input', { attrs: { 'aria-label': `Correct ${field}`, 'data-answer': task.id }, props: { value: known[field] === undefined ? '' : String(known[field]) } });
}

function row(task, info, field) {
  const control = answerControl(task, info.output_spec, field);
  const action = h('button', { class: 'btn btn-small', attrs: { type: 'button', 'data-mark': task.id } });
  const status = h('span', { class: 'small muted' });
  const refresh = (t) => {
    const golden = t.kind === 'golden';
    action.textContent = golden ? 'Unmark' : 'Make control';
    action.disabled = Boolean(t.issued) || t.kind === 'training';
    control.disabled = golden || Boolean(t.issued);
    tr.classList.toggle('is-control', golden);
    tr.dataset.kind = t.kind;
  };
  const tr = h('tr', { attrs: { 'data-task': task.id } }, h('td', {}, inputSummary(task.input_values)), h('td', {}, control), h('td', {}, action, ' ', status));
  refresh(task);
  action.addEventListener('click', async () => {
    const golden = tr.dataset.kind === 'golden';
    let body;
    if (golden) body = { known_solutions: null };
    else {
      const value = control.value;
      if (value === '') {
        status.textContent = 'Choose the correct answer first';
        control.focus();
        return;
      }
      const spec = info.output_spec[field] || {};
      const typed = spec.type === 'integer' || spec.type === 'float' ? Number(value) : spec.type === 'boolean' ? value === 'true' : value;
      body = { known_solutions: [{ output_values: { [field]: typed } }] };
    }
    action.disabled = true;
    try {
      const updated = await api('PUT', `/api/console/tasks/${encodeURIComponent(task.id)}/control`, body);
      status.textContent = updated.kind === 'golden' ? 'Control task' : '';
      refresh(updated);
      await refreshChart();
    } catch (err) {
      status.textContent = err.message;
      action.disabled = false;
    }
  });
  return tr;
}

async function refreshChart() {
  const info = await api('GET', `/api/console/pools/${encodeURIComponent(poolRef.id)}/control-tasks?limit=1`);
  drawChart(info);
}

function drawChart(info) {
  const field = chosenField(info.output_spec);
  const allowed = (info.output_spec[field] || {}).allowed_values;
  const counts = new Map((info.distribution[field] || []).map((d) => [d.label, d.count]));
  const labels = Array.isArray(allowed) ? allowed.map(String) : [...counts.keys()];
  barChart($('#control-chart'), labels.map((label) => ({ label, value: counts.get(label) || 0 })), { empty: 'No control tasks yet' });
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const mixer = info.mixer_config || {};
  let summary = `${info.counts.golden} control task(s), ${info.counts.general} general task(s). Field “${field}”.`;
  if (total && labels.length > 1) {
    const top = Math.max(...labels.map((l) => counts.get(l) || 0));
    if (top / total > 0.7) summary += ' Most control tasks share one answer: add others, or workers who always give it pass the checks.';
  }
  if ((mixer.golden_tasks_count || 0) > 0 && !info.counts.golden) summary += ' Suites ask for control tasks but there are none yet.';
  setText($('#control-summary'), summary);
}

/** Load (or reload) the step for a pool; `which` is all / general / golden. */
export async function loadControl(pool, which, more = false) {
  poolRef = pool;
  kind = which || 'all';
  if (!more) after = null;
  const body = $('#control-tasks tbody');
  try {
    const query = new URLSearchParams({ kind, limit: '25' });
    if (after) query.set('after', after);
    const info = await api('GET', `/api/console/pools/${encodeURIComponent(pool.id)}/control-tasks?${query}`);
    if (!more) clear(body);
    drawChart(info);
    const field = chosenField(info.output_spec);
    for (const task of info.items) body.append(row(task, info, field));
    if (!body.children.length) body.append(h('tr', {}, h('td', { attrs: { colspan: '3' }, class: 'muted', text: 'No tasks: upload a file first.' })));
    after = info.items.length ? info.items[info.items.length - 1].id : after;
    const moreButton = $('#control-more');
    moreButton.hidden = !info.has_more;
    moreButton.onclick = () => loadControl(pool, kind, true);
  } catch (err) {
    setText($('#control-summary'), err.message);
  }
}
