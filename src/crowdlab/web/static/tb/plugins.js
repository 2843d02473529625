// plugin.* — read once per suite: plugin.toloka (layout), plugin.hotkeys, plugin.trigger (per
// task), plugin.field.image-annotation.hotkeys.  Unknown plugins are reported and listed in a notice.

import { effect, untracked } from './reactive.js';
import { checkCondition, evaluate, groupOf, isRefNode, resolveRef } from './evaluate.js';
import { runAction } from './actions.js';
import { deepEqual, isPlainObject, toText } from './values.js';

export const HOTKEY_NAMES = [
  ...'abcdefghijklmnopqrstuvwxyz'.split(''),
  ...'0123456789'.split(''),
  'up',
  'down',
];

/** Every plugin type this renderer implements. */
export const PLUGIN_TYPES = [
  'plugin.toloka',
  'plugin.hotkeys',
  'plugin.trigger',
  'plugin.field.image-annotation.hotkeys',
  'plugin.field.text-annotation.hotkeys',
];

/**
 * Parse config.plugins into
 *   {layout: {kind, taskWidth}, notifications: [], hotkeys: Map(key -> action),
 *    annotationHotkeys: Map(key -> {kind, arg}), textHotkeys: Map(key -> {kind, arg}),
 *    triggers: [node], unsupported: [type]}
 */
export function readPlugins(config, rootCtx) {
  const out = {
    layout: { kind: 'scroll', taskWidth: undefined },
    notifications: [],
    hotkeys: new Map(),
    annotationHotkeys: new Map(),
    textHotkeys: new Map(),
    triggers: [],
    unsupported: [],
  };
  const list = Array.isArray(config.plugins) ? config.plugins : [];
  for (const raw of list) {
    let p;
    try {
      p = isRefNode(raw) ? resolveRef(raw, rootCtx) : raw;
    } catch (err) {
      rootCtx.task.suite.reportError(err);
      continue;
    }
    if (!isPlainObject(p) || typeof p.type !== 'string') continue;
    switch (p.type) {
      case 'plugin.toloka': {
        const layout = untracked(() => evaluate(p.layout, rootCtx));
        if (isPlainObject(layout)) {
          if (layout.kind === 'pager' || layout.kind === 'scroll') out.layout.kind = layout.kind;
          if (typeof layout.taskWidth === 'number' && layout.taskWidth > 0) out.layout.taskWidth = layout.taskWidth;
        }
        if (Array.isArray(p.notifications)) out.notifications.push(...p.notifications);
        break;
      }
      case 'plugin.hotkeys':
        for (const key of HOTKEY_NAMES) {
          if (p[key] !== undefined) out.hotkeys.set(key, p[key]);
        }
        break;
      case 'plugin.trigger':
        out.triggers.push(p);
        break;
      case 'plugin.field.image-annotation.hotkeys': {
        const add = (k, kind, arg) => {
          if (typeof k === 'string' && k) out.annotationHotkeys.set(k.toLowerCase(), { kind, arg });
        };
        if (Array.isArray(p.labels)) p.labels.forEach((k, i) => add(k, 'label', i));
        if (isPlainObject(p.modes)) for (const [mode, k] of Object.entries(p.modes)) add(k, 'mode', mode);
        add(p.cancel, 'cancel');
        add(p.confirm, 'confirm');
        break;
      }
      case 'plugin.field.text-annotation.hotkeys': {
        const add = (k, kind, arg) => {
          if (typeof k === 'string' && k) out.textHotkeys.set(k.toLowerCase(), { kind, arg });
        };
        if (Array.isArray(p.labels)) p.labels.forEach((k, i) => add(k, 'label', i));
        add(p.remove, 'remove');
        break;
      }
      default:
        out.unsupported.push(p.type);
    }
  }
  return out;
}

/** Install plugin.trigger effects for one task (inside the task's scope). */
export function attachTriggers(triggers, ctx) {
  for (const node of triggers) {
    let first = true;
    let prev;
    const fire = () =>
      untracked(() => {
        if (node.condition === undefined || checkCondition(node.condition, ctx).ok) runAction(node.action, ctx);
      });
    effect(
      () => {
        const value = node.onChangeOf === undefined ? undefined : evaluate(node.onChangeOf, ctx);
        if (first) {
          first = false;
          prev = value;
          if (evaluate(node.fireImmediately, ctx) === true) fire();
          return;
        }
        if (deepEqual(value, prev)) return;
        prev = value;
        fire();
      },
      (err) => ctx.task.suite.reportError(err),
    );
  }
}

/** Key name used by plugin.hotkeys for a keyboard event, or null. */
export function hotkeyName(e) {
  if (e.key === 'ArrowUp') return 'up';
  if (e.key === 'ArrowDown') return 'down';
  if (typeof e.key === 'string' && /^[a-z0-9]$/i.test(e.key)) return e.key.toLowerCase();
  // Non-Latin layouts: fall back to the physical key.
  const m = /^(?:Key([A-Z])|Digit(\d)|Numpad(\d))$/.exec(e.code || '');
  if (m) return (m[1] || m[2] || m[3]).toLowerCase();
  return null;
}

export function describePlugins(types) {
  return types.map(toText).join(', ');
}

const KNOWN_GROUPS = new Set(['view', 'field', 'layout', 'data', 'helper', 'condition', 'action', 'plugin']);

/**
 * Component types used anywhere in `config` (view, plugins, vars) that `known` does not contain.
 * Reported up front so a requester preview lists every unsupported part, even in branches that are
 * not rendered yet.
 */
export function unknownTypes(config, known) {
  const found = new Set();
  const seen = new Set();
  const walk = (v, depth) => {
    if (v === null || typeof v !== 'object' || depth > 200 || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const t = v.type;
    if (typeof t === 'string' && t.includes('.') && KNOWN_GROUPS.has(groupOf(t)) && !known.has(t)) found.add(t);
    for (const [k, x] of Object.entries(v)) {
      if (k === 'schema' && t === 'condition.schema') continue; // JSON schema, not components
      walk(x, depth + 1);
    }
  };
  walk(config, 0);
  return [...found];
}
