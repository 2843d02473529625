// action.* — run by view.action-button, plugin.hotkeys and plugin.trigger.

import { batch, untracked } from './reactive.js';
import { bindContext, dataRef, evaluate, isRefNode, isValueType, resolveRef } from './evaluate.js';
import { linkKey, safeUrl } from './urls.js';
import { BoundNode, isPlainObject, toText } from './values.js';

const MAX_DEPTH = 50;

/** Execute an action component (literal, $ref, BoundNode or a helper yielding an action). */
export function runAction(action, ctx, depth = 0) {
  if (depth > MAX_DEPTH) return;
  untracked(() =>
    batch(() => {
      try {
        runInner(action, ctx, depth);
      } catch (err) {
        ctx.task.suite.reportError(err);
      }
    }),
  );
}

function runInner(action, ctx, depth) {
  let node = action;
  if (isRefNode(node)) node = resolveRef(node, ctx);
  if (isPlainObject(node) && isValueType(node.type)) node = evaluate(node, ctx);
  if (node instanceof BoundNode) {
    ctx = bindContext(ctx, node.bindings);
    node = node.node;
  }
  if (Array.isArray(node)) {
    for (const a of node) runAction(a, ctx, depth + 1);
    return;
  }
  if (!isPlainObject(node) || typeof node.type !== 'string') return;
  const fn = ACTIONS[node.type];
  if (!fn) {
    ctx.task.suite.reportUnsupported(node.type);
    return;
  }
  fn(node, ctx, depth);
}

/** The config node of the view targeted by open-close / play-pause / rotate. */
function targetView(node, ctx) {
  let v = node.view;
  if (isRefNode(v)) v = resolveRef(v, ctx);
  if (isPlainObject(v) && isValueType(v.type)) v = evaluate(v, ctx);
  if (v instanceof BoundNode) v = v.node;
  return v;
}

function controllers(node, ctx) {
  const view = targetView(node, ctx);
  return view ? ctx.task.controllersFor(view) : [];
}

const ACTIONS = {
  'action.set': (n, ctx) => {
    const ref = dataRef(n.data, ctx);
    if (ref) ref.set(evaluate(n.payload, ctx));
  },
  'action.toggle': (n, ctx) => {
    const ref = dataRef(n.data, ctx);
    if (ref) ref.set(!ref.get());
  },
  'action.bulk': (n, ctx, depth) => {
    let list = n.payload;
    if (isRefNode(list)) list = resolveRef(list, ctx);
    if (!Array.isArray(list)) list = evaluate(list, ctx);
    if (Array.isArray(list)) for (const a of list) runAction(a, ctx, depth + 1);
  },
  'action.notify': (n, ctx) => {
    const p = evaluate(n.payload, ctx) || {};
    const payload = isPlainObject(p) ? p : { content: p };
    ctx.task.suite.notify(payload, ctx);
  },
  'action.open-link': (n, ctx) => {
    const raw = evaluate(n.payload, ctx);
    const url = safeUrl(toText(raw), 'link');
    if (!url) {
      ctx.task.suite.notify({ content: 'This link was blocked (unsupported address).', theme: 'danger' }, ctx);
      return;
    }
    ctx.task.ui.set(`link:${linkKey(toText(raw))}`, true);
    window.open(url, '_blank', 'noopener,noreferrer');
  },
  'action.open-close': (n, ctx) => {
    for (const c of controllers(n, ctx)) if (c.openClose) c.openClose();
  },
  'action.play-pause': (n, ctx) => {
    for (const c of controllers(n, ctx)) if (c.playPause) c.playPause();
  },
  'action.rotate': (n, ctx) => {
    const dir = evaluate(n.payload, ctx) === 'left' ? 'left' : 'right';
    for (const c of controllers(n, ctx)) if (c.rotate) c.rotate(dir);
  },
};

/** Every action type this renderer implements. */
export const ACTION_TYPES = Object.keys(ACTIONS);
