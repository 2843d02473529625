// Component registry and the generic rendering path: $ref / BoundNode / dynamic values, error
// boundary, "unsupported component" placeholder, and the wrapper every view/field/layout gets
// (label, hint, validation message).

import { effect, memo, onCleanup, untracked } from './reactive.js';
import { VALUE_TYPES, bindContext, checkCondition, dataRef, evaluate, isRefNode, isValueType, resolveRef } from './evaluate.js';
import { clear, h, slot, uid } from './dom.js';
import { BoundNode, isPlainObject, toText } from './values.js';

/** type -> {render(node, ctx, w): Node, bare?: bool (no label/hint wrapper), ownLabel?: bool} */
const COMPONENTS = new Map();
const KNOWN_VALUES = new Set(VALUE_TYPES);
const MAX_DEPTH = 150;

export function register(type, def) {
  COMPONENTS.set(type, def);
}

export function isSupported(type) {
  return COMPONENTS.has(type) || isValueType(type);
}

export function registeredTypes() {
  return [...COMPONENTS.keys()];
}

/** Visible placeholder for a component type this renderer does not know. */
export function unsupportedBox(type, ctx) {
  ctx.task.suite.reportUnsupported(type);
  return h('div', {
    class: 'tb-unsupported',
    attrs: { role: 'note', 'data-tb-unsupported': type },
    text: `Unsupported component: ${type}`,
  });
}

export function errorBox(message) {
  return h('div', { class: 'tb-render-error', attrs: { role: 'note' }, text: message });
}

/** Render any view-position value (component, $ref, data/helper value, literal, array). */
export function renderNode(node, ctx, depth = 0) {
  try {
    if (depth > MAX_DEPTH) return errorBox('Template is nested too deeply (cyclic $ref?)');
    if (node === undefined || node === null || node === false || node === '') {
      return document.createTextNode('');
    }
    if (typeof node !== 'object') return h('span', { class: 'tb-literal', text: String(node) });
    if (Array.isArray(node)) {
      return h('div', { class: 'tb-stack' }, node.map((n) => renderNode(n, ctx, depth + 1)));
    }
    if (node instanceof BoundNode) return renderNode(node.node, bindContext(ctx, node.bindings), depth + 1);
    if (isRefNode(node)) return renderNode(resolveRef(node, ctx, depth), ctx, depth + 1);
    const type = node.type;
    if (typeof type !== 'string') {
      return h('pre', { class: 'tb-literal tb-json', text: toText(node) });
    }
    if (isValueType(type)) {
      return KNOWN_VALUES.has(type) ? renderDynamic(node, ctx, depth) : unsupportedBox(type, ctx);
    }
    const def = COMPONENTS.get(type);
    if (!def) return unsupportedBox(type, ctx);
    return renderComponent(def, node, ctx);
  } catch (err) {
    ctx.task.suite.reportError(err);
    return errorBox(`Cannot show ${describe(node)}: ${err && err.message ? err.message : err}`);
  }
}

function describe(node) {
  return isPlainObject(node) && typeof node.type === 'string' ? node.type : 'this part';
}

function renderDynamic(node, ctx, depth) {
  const el = slot('tb-dynamic');
  memo(
    () => evaluate(node, ctx),
    (value) => {
      clear(el);
      el.appendChild(renderNode(value, ctx, depth + 1));
    },
    (err) => {
      ctx.task.suite.reportError(err);
      clear(el);
      el.appendChild(errorBox(`Cannot show ${node.type}: ${err.message}`));
    },
  );
  return el;
}

/** Reactive text content of `el` from a parameter value. */
export function bindText(el, value, ctx, after) {
  memo(
    () => toText(evaluate(value, ctx)),
    (text) => {
      el.textContent = text;
      if (after) after(text);
    },
    (err) => {
      ctx.task.suite.reportError(err);
      el.textContent = '';
    },
  );
}

/** Evaluate a parameter untracked (for structure that is built once). */
export function evalOnce(value, ctx) {
  return untracked(() => evaluate(value, ctx));
}

/**
 * The helper object handed to component render functions:
 *  w.labelId        id of the label element (for aria-labelledby)
 *  w.field(ref)     declare the field's data reference (enables required/spec checks)
 *  w.check(fn)      add a built-in check: fn() -> message | null (tracked)
 *  w.focus(el)      element to focus when the field is invalid
 *  w.media(key)     media key for condition.played / played-fully
 *  w.controller(c)  register {openClose, playPause, rotate} for actions targeting this view
 */
class Wrapper {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
    this.labelId = uid('tb-label');
    this.fieldRef = null;
    this.checks = [];
    this.focusEl = null;
    this.mediaKey = null;
  }

  field(ref) {
    this.fieldRef = ref;
  }

  check(fn) {
    this.checks.push(fn);
  }

  focus(el) {
    this.focusEl = el;
  }

  media(key) {
    this.mediaKey = key;
  }

  controller(c) {
    const unregister = this.ctx.task.registerView(this.node, c);
    onCleanup(unregister);
  }

  hasLabel() {
    return this.node.label !== undefined && this.node.label !== null && this.node.label !== '';
  }
}

/** Resolve a field's `data` parameter into a reference, initialising `default` once. */
export function fieldRef(node, ctx) {
  if (node.data === undefined) return null;
  const ref = untracked(() => dataRef(node.data, ctx));
  if (ref && ref.default !== undefined && ref.writable && untracked(() => ref.raw()) === undefined) {
    untracked(() => ref.set(ref.default));
  }
  return ref;
}

function renderComponent(def, node, ctx) {
  const type = node.type;
  const w = new Wrapper(node, ctx);
  const wrapper = h('div', { class: `tb-c tb-${type.replace(/[^a-z0-9-]+/gi, '-')}` });
  wrapper.dataset.tbType = type;
  if (!def.bare && !def.ownLabel && w.hasLabel()) {
    const label = h('div', { class: 'tb-label', attrs: { id: w.labelId } });
    bindText(label, node.label, ctx);
    wrapper.appendChild(label);
  }
  if (!def.bare && node.hint !== undefined && node.hint !== null && node.hint !== '') {
    const hint = h('div', { class: 'tb-hint' });
    bindText(hint, node.hint, ctx);
    wrapper.appendChild(hint);
  }
  const body = def.render(node, ctx, w);
  if (body) wrapper.appendChild(body);
  attachValidation(node, ctx, w, wrapper);
  return wrapper;
}

function attachValidation(node, ctx, w, wrapper) {
  const task = ctx.task;
  const rootKey = w.fieldRef && w.fieldRef.kind === 'output' && w.fieldRef.segs.length ? w.fieldRef.segs[0] : null;
  if (node.validation === undefined && !w.checks.length && rootKey === null) return;
  const vctx = { ...ctx, fieldRef: w.fieldRef, mediaKey: w.mediaKey };
  const validator = {
    taskIndex: task.index,
    path: w.fieldRef && w.fieldRef.path ? w.fieldRef.path : node.type,
    rootKey,
    element: wrapper,
    focusEl: () => w.focusEl || wrapper.querySelector('input, select, textarea, button, [tabindex]'),
    messages() {
      const out = [];
      if (node.validation !== undefined) {
        const r = checkCondition(node.validation, vctx);
        if (!r.ok) out.push(r.message);
      }
      for (const c of w.checks) {
        const m = c();
        if (m) out.push(m);
      }
      if (rootKey !== null && task.ownerOf(rootKey) === validator) out.push(...task.specMessages(rootKey));
      return [...new Set(out)];
    },
  };
  untracked(() => task.addValidator(validator));
  onCleanup(() => task.removeValidator(validator));
  const errEl = h('div', { class: 'tb-error', attrs: { 'aria-live': 'polite' } });
  errEl.id = uid('tb-err');
  errEl.hidden = true;
  wrapper.appendChild(errEl);
  effect(
    () => {
      const msgs = task.ui.get('validated') ? validator.messages() : [];
      clear(errEl);
      for (const m of msgs) errEl.appendChild(h('div', { text: m }));
      errEl.hidden = msgs.length === 0;
      wrapper.classList.toggle('tb-invalid', msgs.length > 0);
      const f = w.focusEl;
      if (f) {
        if (msgs.length) {
          f.setAttribute('aria-invalid', 'true');
          f.setAttribute('aria-describedby', errEl.id);
        } else {
          f.removeAttribute('aria-invalid');
        }
      }
    },
    (err) => task.suite.reportError(err),
  );
}

/**
 * Render a list parameter into `parent`.  A literal array keeps its structure (each item is its own
 * reactive region, so answering one field never rebuilds its siblings); a computed list (helper,
 * data, $ref to a computed value) is rebuilt when its value changes.
 * `renderItem(item, ctx)` returns the node to append (default: renderNode wrapped by `wrap`).
 */
export function renderEach(parent, value, ctx, renderItem) {
  let v = value;
  if (isRefNode(v)) v = resolveRef(v, ctx);
  const one = renderItem || ((item, c) => renderNode(item, c));
  if (Array.isArray(v)) {
    v.forEach((item, i) => parent.appendChild(one(item, ctx, i)));
    return;
  }
  memo(
    () => evaluate(v, ctx),
    (items) => {
      clear(parent);
      const arr = Array.isArray(items) ? items : items === undefined || items === null ? [] : [items];
      arr.forEach((item, i) => parent.appendChild(one(item, ctx, i)));
    },
    (err) => {
      ctx.task.suite.reportError(err);
      clear(parent);
      parent.appendChild(errorBox(`Cannot show this list: ${err.message}`));
    },
  );
}
