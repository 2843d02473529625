/**
 * crowdlab Template Builder renderer — public entry point.
 *
 *   import { mountSuite } from '/static/tb/renderer.js';
 *   const suite = mountSuite(container, {
 *     config,          // decoded TB config {view, plugins?, vars?}; a JSON string or the whole
 *                      // view_spec envelope {type: "tb", config: "<json>"} is accepted too
 *     tasks,           // [{id, input_values}] — one entry per task of the suite
 *     outputSpec,      // project task_spec.output_spec {name: {type, required, ...}} (optional)
 *     initialOutputs,  // [outputValues | null] by task index, or {taskId: outputValues} (optional)
 *     onChange,        // (taskIndex, outputValues) => void; after user edits (coalesced per microtask)
 *     onUnsupported,   // (type) => void; once per unknown component/plugin type
 *     onError,         // (error) => void; a component failed (it shows an error box instead)
 *     uploadFile,      // (blob: Blob) => Promise<string id>; used by field.file / media-file / audio
 *     readOnly,        // true: answers are shown but cannot be changed
 *     layout,          // {kind: "scroll" | "pager", taskWidth: px} overrides plugin.toloka
 *   });
 *   suite.validate({focus = true} = {}) -> {ok, errors: [{taskIndex, path, message}]}
 *        // shows messages next to fields (live from then on) and focuses the first problem;
 *        // `path` is the output path of the field ("result", "items.0.name") or, for a view/layout
 *        // with its own validation, its component type.
 *   suite.getSolutions()        -> [{output_values}] in task order (deep copies)
 *   suite.getOutputs(i)         -> output values of task i (deep copy)
 *   suite.setOutputs(i, values) // replace task i's answers (restore / "view responses"); no onChange
 *   suite.showHint(i, text)     // training hint next to task i; empty text hides it
 *   suite.focusTask(i)          // make task i active (hotkeys act on it), focus and reveal it
 *   suite.activeTask            // index of the active task
 *   suite.element               // the root element inserted into `container`
 *   suite.destroy()             // remove DOM, listeners, recorders
 *   supportedTypes()            -> sorted list of every implemented component/value/action/plugin type
 *
 * Output values (toloka-api.md 5.6): radio/select/button-radio -> the option's `value`; checkbox ->
 * true (false only with preserveFalse, else absent); checkbox-group -> {value: true}; text fields ->
 * string (absent when emptied); number -> number; date -> "YYYY-MM-DD" or "YYYY-MM-DD HH:mm";
 * file / media-file / audio -> the id returned by uploadFile (array when `multiple`); list ->
 * array; image-annotation -> [{shape: "rectangle", left, top, width, height, label?} |
 * {shape: "polygon", points: [{left, top}], label?} | {shape: "point", left, top, label?}] relative
 * to the image (0..1); text-annotation -> [{start, end, content, label?}].
 * Unknown types render "Unsupported component: <type>" and are reported through onUnsupported
 * (the whole config, vars and unrendered branches included, is scanned at mount).
 *
 * Keyboard: plugin.hotkeys keys act on the active task (from anywhere on the page, except while
 * typing in a text input, inside another suite, or with Ctrl/Alt/Meta/Shift held).  Move between
 * tasks with ArrowDown / ArrowUp (unless the config binds "up"/"down"; not while a form control has
 * focus) or with Enter / Shift+Enter when the task card or the page has focus; clicking or tabbing
 * into a task makes it active.
 *
 * Security: no HTML parsing of data (textContent / DOM building only), safe markdown, URL allow-list
 * (see urls.js), no eval/Function/inline handlers — works under CSP `script-src 'self'`.
 */

import { Scope, batch, effect, runWithOwner, untracked } from './reactive.js';
import { clear, h, listen } from './dom.js';
import { registeredTypes, renderNode } from './render.js';
import { TaskRuntime } from './task.js';
import { cloneJson, isPlainObject, toText } from './values.js';
import { ACTION_TYPES, runAction } from './actions.js';
import { PLUGIN_TYPES, attachTriggers, describePlugins, hotkeyName, readPlugins, unknownTypes } from './plugins.js';
import { VALUE_TYPES } from './evaluate.js';
import './views.js';
import './layouts.js';
import './fields.js';
import './upload.js';
import './annotation.js';
import './textannotation.js';

/** All component, value, action and plugin types this renderer implements. */
export function supportedTypes() {
  return [...new Set([...registeredTypes(), ...VALUE_TYPES, ...ACTION_TYPES, ...PLUGIN_TYPES])].sort();
}

function normalizeConfig(config) {
  let c = config;
  if (typeof c === 'string') c = JSON.parse(c);
  if (isPlainObject(c) && c.type === 'tb' && typeof c.config === 'string') c = JSON.parse(c.config);
  if (!isPlainObject(c)) throw new Error('Template config must be an object');
  return c;
}

function isTypingTarget(el) {
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  return !['radio', 'checkbox', 'button', 'submit', 'reset', 'file', 'range', 'color', 'image'].includes(el.type);
}

function isFormControl(el) {
  return el && ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName);
}

class Suite {
  constructor(container, options) {
    this.options = options;
    this.readOnly = options.readOnly === true;
    this.outputSpec = isPlainObject(options.outputSpec) ? options.outputSpec : null;
    this.uploadFile = typeof options.uploadFile === 'function' ? options.uploadFile : null;
    this.destroyed = false;
    this.mounting = true;
    this.unsupportedSeen = new Set();
    this.scope = new Scope(null);
    this.active = 0;
    this.root = h('div', { class: 'tb-suite', attrs: { 'data-tb-suite': '' } });
    this.root.classList.toggle('tb-readonly', this.readOnly);
    container.appendChild(this.root);
    try {
      this.config = normalizeConfig(options.config);
    } catch (err) {
      this.config = { view: null };
      this.reportError(err);
      this.root.appendChild(h('div', { class: 'tb-render-error', text: `Cannot read the template: ${err.message}` }));
    }
    const tasks = Array.isArray(options.tasks) && options.tasks.length ? options.tasks : [{ id: null, input_values: {} }];
    this.tasks = tasks.map((t, i) => new TaskRuntime(this, i, isPlainObject(t) ? t : {}));
    runWithOwner(this.scope, () => batch(() => this.build(options)));
    this.mounting = false;
  }

  build(options) {
    const probeCtx = this.ctxFor(this.tasks[0]);
    const plugins = readPlugins(this.config, probeCtx);
    this.plugins = plugins;
    for (const t of plugins.unsupported) this.reportUnsupported(t);
    const known = new Set([...registeredTypes(), ...VALUE_TYPES, ...ACTION_TYPES, ...PLUGIN_TYPES]);
    for (const t of unknownTypes(this.config, known)) this.reportUnsupported(t);
    const layout = { ...plugins.layout, ...(isPlainObject(options.layout) ? options.layout : {}) };
    this.pager = layout.kind === 'pager';
    this.root.classList.add(this.pager ? 'tb-layout-pager' : 'tb-layout-scroll');
    if (plugins.unsupported.length) {
      this.root.appendChild(h('div', {
        class: 'tb-unsupported',
        attrs: { role: 'note' },
        text: `Unsupported plugin: ${describePlugins(plugins.unsupported)}`,
      }));
    }
    const list = h('div', { class: 'tb-tasks' });
    this.root.appendChild(list);
    const initial = options.initialOutputs;
    this.tasks.forEach((task, i) => {
      const init = Array.isArray(initial) ? initial[i] : isPlainObject(initial) && task.id !== null ? initial[task.id] : undefined;
      if (isPlainObject(init)) task.setOutputs(init);
      task.scope = new Scope(this.scope);
      runWithOwner(task.scope, () => this.buildTask(task, list, layout));
    });
    if (this.pager && this.tasks.length > 1) this.root.appendChild(this.buildPager());
    this.toasts = h('div', { class: 'tb-toasts', attrs: { 'aria-live': 'polite' } });
    this.root.appendChild(this.toasts);
    listen(document, 'keydown', (e) => this.onKeyDown(e));
    this.showActive();
  }

  ctxFor(task) {
    return { task, locals: {}, rel: null, fieldRef: null, mediaKey: null };
  }

  buildTask(task, list, layout) {
    const n = this.tasks.length;
    const el = h('section', {
      class: 'tb-task',
      attrs: { tabindex: '-1', 'aria-label': `Task ${task.index + 1} of ${n}`, 'data-task-index': task.index },
    });
    if (layout.taskWidth) el.style.maxWidth = `${layout.taskWidth}px`;
    task.el = el;
    if (n > 1) el.appendChild(h('div', { class: 'tb-task-number', text: `${task.index + 1} / ${n}` }));
    const ctx = this.ctxFor(task);
    task.ctx = ctx;
    for (const note of this.plugins.notifications) {
      el.appendChild(h('div', { class: 'tb-task-notification' }, renderNode(note, ctx)));
    }
    el.appendChild(h('div', { class: 'tb-task-body' }, renderNode(this.config.view, ctx)));
    const taskErrors = h('div', { class: 'tb-error tb-task-errors', attrs: { 'aria-live': 'polite' } });
    taskErrors.hidden = true;
    el.appendChild(taskErrors);
    effect(() => {
      const errs = task.ui.get('validated') ? task.unownedSpecErrors() : [];
      clear(taskErrors);
      for (const e of errs) taskErrors.appendChild(h('div', { text: `${e.path}: ${e.message}` }));
      taskErrors.hidden = errs.length === 0;
    });
    const hint = h('div', { class: 'tb-task-hint', attrs: { role: 'status' } });
    hint.hidden = true;
    effect(() => {
      const text = task.ui.get('hint');
      clear(hint);
      hint.hidden = !text;
      if (text) hint.append(h('strong', { text: 'Hint: ' }), h('span', { text: toText(text) }));
    });
    el.appendChild(hint);
    listen(el, 'focusin', () => this.setActive(task.index, false));
    listen(el, 'pointerdown', () => this.setActive(task.index, false));
    attachTriggers(this.plugins.triggers, ctx);
    list.appendChild(el);
  }

  buildPager() {
    const prev = h('button', { class: 'tb-btn', attrs: { type: 'button' }, text: '← Previous' });
    const next = h('button', { class: 'tb-btn', attrs: { type: 'button' }, text: 'Next →' });
    const where = h('span', { class: 'tb-pager-status', attrs: { 'aria-live': 'polite' } });
    listen(prev, 'click', () => this.focusTask(this.active - 1));
    listen(next, 'click', () => this.focusTask(this.active + 1));
    this.pagerParts = { prev, next, where };
    return h('nav', { class: 'tb-pager', attrs: { 'aria-label': 'Tasks' } }, prev, where, next);
  }

  showActive() {
    this.tasks.forEach((t, i) => {
      t.el.classList.toggle('tb-task-active', i === this.active);
      if (i === this.active) t.el.setAttribute('aria-current', 'true');
      else t.el.removeAttribute('aria-current');
      if (this.pager) t.el.hidden = i !== this.active;
    });
    if (this.pagerParts) {
      const { prev, next, where } = this.pagerParts;
      prev.disabled = this.active === 0;
      next.disabled = this.active === this.tasks.length - 1;
      where.textContent = `Task ${this.active + 1} of ${this.tasks.length}`;
    }
  }

  setActive(i, focus) {
    if (i < 0 || i >= this.tasks.length) return false;
    const changed = i !== this.active;
    this.active = i;
    if (changed) this.showActive();
    if (focus) {
      const el = this.tasks[i].el;
      el.focus({ preventScroll: true });
      el.scrollIntoView({ block: 'nearest' });
    }
    return true;
  }

  focusTask(i) {
    return this.setActive(Math.max(0, Math.min(this.tasks.length - 1, i)), true);
  }

  onKeyDown(e) {
    if (this.destroyed || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target;
    const onPage = target === document.body || target === document.documentElement;
    const inSuite = this.root.contains(target);
    // Keys typed into inputs, or aimed at another suite on the same page, are not ours.
    if (isTypingTarget(target)) return;
    if (!inSuite && !onPage && target.closest && target.closest('[data-tb-suite]')) return;
    const task = this.tasks[this.active];
    const name = e.shiftKey ? null : hotkeyName(e);
    if (name && this.plugins.annotationHotkeys.has(name) && task.annotations.size) {
      const { kind, arg } = this.plugins.annotationHotkeys.get(name);
      const ann = [...task.annotations][0];
      if (kind === 'label') ann.setLabelIndex(arg);
      else if (kind === 'mode') ann.setMode(arg);
      else if (kind === 'cancel') ann.cancel();
      else if (kind === 'confirm') ann.confirm();
      e.preventDefault();
      return;
    }
    if (name && this.plugins.textHotkeys.has(name) && task.textAnnotations.size) {
      const { kind, arg } = this.plugins.textHotkeys.get(name);
      const ta = [...task.textAnnotations][0];
      if (kind === 'label') ta.setLabelIndex(arg);
      else ta.remove();
      e.preventDefault();
      return;
    }
    if (name && this.plugins.hotkeys.has(name)) {
      e.preventDefault();
      runAction(this.plugins.hotkeys.get(name), task.ctx);
      return;
    }
    if (!inSuite && !onPage) return; // task navigation only from the suite or the page itself
    const onCard = target === task.el || onPage;
    if (e.key === 'ArrowDown' && !isFormControl(target)) {
      if (this.focusTask(this.active + 1)) e.preventDefault();
    } else if (e.key === 'ArrowUp' && !isFormControl(target)) {
      if (this.focusTask(this.active - 1)) e.preventDefault();
    } else if (e.key === 'Enter' && onCard) {
      e.preventDefault();
      this.focusTask(this.active + (e.shiftKey ? -1 : 1));
    }
  }

  // ---- reporting -----------------------------------------------------------------------------------

  reportUnsupported(type) {
    if (this.unsupportedSeen.has(type)) return;
    this.unsupportedSeen.add(type);
    if (typeof this.options.onUnsupported === 'function') {
      try {
        this.options.onUnsupported(type);
      } catch (err) {
        console.error(err);
      }
    }
  }

  reportError(err) {
    console.error(err);
    if (typeof this.options.onError === 'function') {
      try {
        this.options.onError(err);
      } catch (e) {
        console.error(e);
      }
    }
  }

  emitChange(task) {
    if (typeof this.options.onChange !== 'function') return;
    try {
      this.options.onChange(task.index, cloneJson(task.outputs));
    } catch (err) {
      console.error(err);
    }
  }

  /** action.notify: a toast with text or a component; {content, theme, delay, duration}. */
  notify(payload, ctx) {
    if (this.destroyed) return;
    const show = () => {
      if (this.destroyed) return;
      const theme = ['danger', 'info', 'success', 'warning'].includes(payload.theme) ? payload.theme : 'info';
      const scope = new Scope(this.scope);
      const toast = h('div', { class: `tb-toast tb-alert tb-alert-${theme}`, attrs: { role: 'status' } });
      const content = payload.content;
      runWithOwner(scope, () => toast.appendChild(isPlainObject(content) || Array.isArray(content) ? renderNode(content, ctx) : h('span', { text: toText(content) })));
      const close = h('button', { class: 'tb-btn tb-btn-small tb-btn-quiet', attrs: { type: 'button', 'aria-label': 'Dismiss' }, text: '×' });
      const remove = () => {
        scope.dispose();
        toast.remove();
      };
      close.addEventListener('click', remove);
      toast.appendChild(close);
      this.toasts.appendChild(toast);
      const duration = typeof payload.duration === 'number' && payload.duration > 0 ? payload.duration : 4000;
      const timer = setTimeout(remove, duration);
      scope.onCleanup(() => clearTimeout(timer));
    };
    const delay = typeof payload.delay === 'number' && payload.delay > 0 ? payload.delay : 0;
    if (delay) {
      const timer = setTimeout(show, delay);
      this.scope.onCleanup(() => clearTimeout(timer));
    } else {
      show();
    }
  }

  // ---- public operations ---------------------------------------------------------------------------

  validate({ focus = true } = {}) {
    batch(() => this.tasks.forEach((t) => t.ui.set('validated', true)));
    const errors = [];
    let firstInvalid = null;
    untracked(() => {
      for (const t of this.tasks) {
        for (const v of t.validators) {
          for (const message of v.messages()) {
            errors.push({ taskIndex: t.index, path: v.path, message });
            if (!firstInvalid) firstInvalid = { task: t, v };
          }
        }
        for (const e of t.unownedSpecErrors()) {
          errors.push({ taskIndex: t.index, path: e.path, message: e.message });
          if (!firstInvalid) firstInvalid = { task: t, v: null };
        }
      }
    });
    errors.sort((a, b) => a.taskIndex - b.taskIndex);
    if (focus && firstInvalid) {
      this.setActive(firstInvalid.task.index, !firstInvalid.v);
      const el = firstInvalid.v && firstInvalid.v.focusEl();
      if (el) {
        el.focus({ preventScroll: true });
        (firstInvalid.v.element || el).scrollIntoView({ block: 'center' });
      }
    }
    return { ok: errors.length === 0, errors };
  }

  getSolutions() {
    return this.tasks.map((t) => ({ output_values: cloneJson(t.outputs) || {} }));
  }

  setOutputs(i, values) {
    const t = this.tasks[i];
    if (!t) throw new RangeError(`No task ${i}`);
    batch(() => t.setOutputs(values));
  }

  showHint(i, text) {
    const t = this.tasks[i];
    if (!t) throw new RangeError(`No task ${i}`);
    t.ui.set('hint', text ? toText(text) : '');
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.scope.dispose();
    this.root.remove();
  }
}

/** Mount a task suite into `container`; see the header comment for options and the returned API. */
export function mountSuite(container, options = {}) {
  if (!container || typeof container.appendChild !== 'function') throw new TypeError('mountSuite: container must be an element');
  const suite = new Suite(container, options);
  return {
    validate: (opts) => suite.validate(opts),
    getSolutions: () => suite.getSolutions(),
    getOutputs: (i) => cloneJson(suite.tasks[i] ? suite.tasks[i].outputs : undefined),
    setOutputs: (i, values) => suite.setOutputs(i, values),
    showHint: (i, text) => suite.showHint(i, text),
    focusTask: (i) => suite.focusTask(i),
    get activeTask() {
      return suite.active;
    },
    element: suite.root,
    destroy: () => suite.destroy(),
  };
}

