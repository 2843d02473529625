// Evaluation of Template Builder values: literals, {"$ref": "vars.x"}, data.*, helper.* and
// condition.* — recursively and reactively (reads go through tracked stores).  view/field/layout/
// action components evaluate to themselves (or to a BoundNode carrying local/relative bindings).
//
// ctx = {task, locals, rel, fieldRef, mediaKey}
//   locals   — values readable with data.local (helper.transform's "item")
//   rel      — description of the base for data.relative ({kind:'store'|'value', ...})
//   fieldRef — the enclosing field's data reference (default `data` of conditions)
//   mediaKey — the enclosing media view (for condition.played / played-fully)

import { BoundNode, deepEqual, getIn, isEmptyValue, isPlainObject, parsePath, toText } from './values.js';
import { StoreRef, ValueRef } from './task.js';
import { schemaError } from './schema.js';
import { hostOf, linkKey } from './urls.js';

const MAX_DEPTH = 200;
const COMPONENT_GROUPS = new Set(['view', 'field', 'layout', 'action', 'plugin']);
const VALUE_GROUPS = new Set(['data', 'helper', 'condition']);

export class TemplateError extends Error {}

export function isRefNode(v) {
  return isPlainObject(v) && typeof v.$ref === 'string';
}

/** Component group of a type: "view.text" -> "view", "@yandex-toloka/data.location" -> "data". */
export function groupOf(type) {
  const bare = type.startsWith('@') ? type.slice(type.indexOf('/') + 1) : type;
  return bare.split('.')[0];
}

/** True for data.*, helper.* and condition.* types (values computed by evaluate()). */
export function isValueType(type) {
  return typeof type === 'string' && VALUE_GROUPS.has(groupOf(type));
}

/** Follow {"$ref": "vars.a.b"} (possibly chained) to the referenced config value. */
export function resolveRef(node, ctx, depth = 0) {
  let cur = node;
  let hops = 0;
  while (isRefNode(cur)) {
    if (++hops > 50 || depth > MAX_DEPTH) throw new TemplateError(`Cyclic $ref "${node.$ref}"`);
    const segs = parsePath(cur.$ref);
    const target = getIn(ctx.task.suite.config, segs);
    if (target === undefined) throw new TemplateError(`Unknown reference "${cur.$ref}"`);
    cur = target;
  }
  return cur;
}

/** Evaluate a parameter value. */
export function evaluate(value, ctx, depth = 0) {
  if (depth > MAX_DEPTH) throw new TemplateError('Template is nested too deeply (cyclic $ref?)');
  if (value === null || typeof value !== 'object' || value instanceof BoundNode) return value;
  if (Array.isArray(value)) return value.map((v) => evaluate(v, ctx, depth + 1));
  if (isRefNode(value)) return evaluate(resolveRef(value, ctx, depth), ctx, depth + 1);
  const type = value.type;
  if (typeof type === 'string' && type.includes('.')) {
    const group = groupOf(type);
    if (group === 'data') return readData(value, ctx, depth);
    if (group === 'helper') return runHelper(value, ctx, depth);
    if (group === 'condition') return checkCondition(value, ctx, depth).ok;
    if (COMPONENT_GROUPS.has(group)) return bind(value, ctx);
  }
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '__proto__') continue;
    out[k] = evaluate(v, ctx, depth + 1);
  }
  return out;
}

function bind(node, ctx) {
  const hasLocals = ctx.locals && Object.keys(ctx.locals).length;
  if (!hasLocals && !ctx.rel) return node;
  return new BoundNode(node, { locals: ctx.locals || {}, rel: ctx.rel || null });
}

/** Context for rendering a BoundNode. */
export function bindContext(ctx, bindings) {
  return { ...ctx, locals: bindings.locals || {}, rel: bindings.rel || null };
}

// ---- data ----------------------------------------------------------------------------------------

/** Reference for a data.* component (or $ref to one); null when `node` is not a data component. */
export function dataRef(node, ctx, depth = 0) {
  const n = resolveRef(node, ctx, depth);
  if (!isPlainObject(n) || typeof n.type !== 'string') return null;
  const def = n.default === undefined ? undefined : evaluate(n.default, ctx, depth + 1);
  const segs = parsePath(n.path === undefined ? '' : evaluate(n.path, ctx, depth + 1));
  const task = ctx.task;
  switch (n.type) {
    case 'data.output':
      return new StoreRef(task, task.stores.output, segs, def);
    case 'data.internal':
      return new StoreRef(task, task.stores.internal, segs, def);
    case 'data.input':
      return new ValueRef(getIn(task.input, segs), def, segs.join('.'));
    case 'data.local': {
      if (segs.length && ctx.locals && Object.prototype.hasOwnProperty.call(ctx.locals, segs[0])) {
        return new ValueRef(getIn(ctx.locals, segs), def, segs.join('.'));
      }
      return new StoreRef(task, task.stores.local, segs, def);
    }
    case 'data.relative': {
      const base = ctx.rel ? task.refFromDescription(ctx.rel) : null;
      if (!base) return new ValueRef(undefined, def, segs.join('.'));
      const ref = segs.length ? base.child(segs) : base;
      ref.default = def;
      return ref;
    }
    default:
      return null;
  }
}

function readData(node, ctx, depth) {
  if (node.type === '@yandex-toloka/data.location') return currentLocation(ctx);
  const ref = dataRef(node, ctx, depth);
  if (!ref) {
    ctx.task.suite.reportUnsupported(node.type);
    return undefined;
  }
  return ref.get();
}

function currentLocation(ctx) {
  const ui = ctx.task.ui;
  const v = ui.get('location');
  if (v === undefined && !ui.values.has('location:requested')) {
    ui.values.set('location:requested', true);
    if (navigator.geolocation) {
      navigator.geolocation.getCurrentPosition(
        (pos) => ui.set('location', `${pos.coords.latitude},${pos.coords.longitude}`),
        () => ui.set('location', null),
      );
    }
  }
  return v === null ? undefined : v;
}

// ---- helpers -------------------------------------------------------------------------------------

const SEARCH_ENGINES = {
  yandex: 'https://yandex.ru/search/?text=',
  google: 'https://www.google.com/search?q=',
  bing: 'https://www.bing.com/search?q=',
  'mail.ru': 'https://go.mail.ru/search?q=',
  wikipedia: 'https://en.wikipedia.org/w/index.php?search=',
  'yandex/collections': 'https://yandex.ru/collections/search/?text=',
  'yandex/video': 'https://yandex.ru/video/search?text=',
  'yandex/images': 'https://yandex.ru/images/search?text=',
  'google/images': 'https://www.google.com/search?tbm=isch&q=',
  'yandex/news': 'https://newssearch.yandex.ru/news/search?text=',
  'google/news': 'https://news.google.com/search?q=',
};

const HELPERS = {
  'helper.if': (n, ctx, d) =>
    evaluate(n.condition, ctx, d) === true ? evaluate(n.then, ctx, d) : evaluate(n.else, ctx, d),
  'helper.switch': (n, ctx, d) => {
    const cases = evaluateShallowList(n.cases, ctx, d);
    for (const c of cases) {
      const cc = isRefNode(c) ? resolveRef(c, ctx, d) : c;
      if (isPlainObject(cc) && evaluate(cc.condition, ctx, d) === true) return evaluate(cc.result, ctx, d);
    }
    return evaluate(n.default, ctx, d);
  },
  'helper.join': (n, ctx, d) => {
    const items = evaluate(n.items, ctx, d);
    const by = evaluate(n.by, ctx, d);
    if (!Array.isArray(items)) return toText(items);
    return items.map(toText).join(by === undefined || by === null ? '' : toText(by));
  },
  'helper.concat-arrays': (n, ctx, d) => {
    const items = evaluate(n.items, ctx, d);
    if (!Array.isArray(items)) return [];
    const out = [];
    for (const it of items) {
      if (Array.isArray(it)) out.push(...it);
      else if (it !== undefined) out.push(it);
    }
    return out;
  },
  'helper.transform': (n, ctx, d) => {
    const items = evaluate(n.items, ctx, d);
    if (!Array.isArray(items)) return [];
    return items.map((item, index) =>
      evaluate(n.into, { ...ctx, locals: { ...(ctx.locals || {}), item, index } }, d + 1),
    );
  },
  'helper.replace': (n, ctx, d) => {
    const data = evaluate(n.data, ctx, d);
    const find = evaluate(n.find, ctx, d);
    const repl = evaluate(n.replace, ctx, d);
    if (typeof data !== 'string' || find === undefined || find === null || find === '') return data;
    return data.split(toText(find)).join(toText(repl));
  },
  'helper.text-transform': (n, ctx, d) => {
    const data = evaluate(n.data, ctx, d);
    if (typeof data !== 'string') return data;
    switch (evaluate(n.transformation, ctx, d)) {
      case 'uppercase':
        return data.toUpperCase();
      case 'lowercase':
        return data.toLowerCase();
      case 'capitalize':
        return data.charAt(0).toUpperCase() + data.slice(1);
      default:
        return data;
    }
  },
  'helper.object2entries': (n, ctx, d) => {
    const data = evaluate(n.data, ctx, d);
    if (!isPlainObject(data)) return [];
    return Object.entries(data).map(([key, value]) => ({ key, value }));
  },
  'helper.entries2object': (n, ctx, d) => {
    const entries = evaluate(n.entries, ctx, d);
    const out = {};
    if (!Array.isArray(entries)) return out;
    for (const e of entries) {
      if (isPlainObject(e) && typeof e.key === 'string' && e.key !== '__proto__') out[e.key] = e.value;
    }
    return out;
  },
  'helper.search-query': (n, ctx, d) => {
    const query = toText(evaluate(n.query, ctx, d));
    const engine = evaluate(n.engine, ctx, d);
    const base = SEARCH_ENGINES[engine] || SEARCH_ENGINES.google;
    return base + encodeURIComponent(query);
  },
  // No localisation catalogue on the client: the key itself is shown.
  'helper.translate': (n, ctx, d) => toText(evaluate(n.key, ctx, d)),
};

function evaluateShallowList(v, ctx, d) {
  const list = isRefNode(v) ? resolveRef(v, ctx, d) : v;
  if (Array.isArray(list)) return list;
  const ev = evaluate(list, ctx, d);
  return Array.isArray(ev) ? ev : [];
}

function runHelper(node, ctx, depth) {
  const fn = HELPERS[node.type];
  if (!fn) {
    ctx.task.suite.reportUnsupported(node.type);
    return undefined;
  }
  return fn(node, ctx, depth + 1);
}

// ---- conditions ----------------------------------------------------------------------------------

function subjectValue(n, ctx, d) {
  if (n.data !== undefined) return evaluate(n.data, ctx, d);
  return ctx.fieldRef ? ctx.fieldRef.get() : undefined;
}

function toRad(x) {
  return (x * Math.PI) / 180;
}

function parseCoords(v) {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(toText(v));
  return m ? [Number(m[1]), Number(m[2])] : null;
}

// Each returns true when satisfied, otherwise the default failure message.
const CONDITIONS = {
  'condition.required': (n, ctx, d) => !isEmptyValue(subjectValue(n, ctx, d)) || 'This field is required',
  'condition.empty': (n, ctx, d) => isEmptyValue(subjectValue(n, ctx, d)) || 'This field must stay empty',
  'condition.equals': (n, ctx, d) => {
    const to = evaluate(n.to, ctx, d);
    return deepEqual(subjectValue(n, ctx, d), to) || `Value must be ${toText(to)}`;
  },
  'condition.not': (n, ctx, d) => !checkCondition(n.condition, ctx, d).ok || 'Invalid value',
  'condition.all': (n, ctx, d) => {
    for (const c of evaluateShallowList(n.conditions, ctx, d)) {
      const r = checkCondition(c, ctx, d);
      if (!r.ok) return r.message;
    }
    return true;
  },
  'condition.any': (n, ctx, d) => {
    let first = null;
    const list = evaluateShallowList(n.conditions, ctx, d);
    for (const c of list) {
      const r = checkCondition(c, ctx, d);
      if (r.ok) return true;
      if (first === null) first = r.message;
    }
    return list.length === 0 || first || 'Invalid value';
  },
  'condition.schema': (n, ctx, d) => {
    const schema = isRefNode(n.schema) ? resolveRef(n.schema, ctx, d) : n.schema;
    return schemaError(subjectValue(n, ctx, d), schema) || true;
  },
  'condition.link-opened': (n, ctx, d) => {
    const url = evaluate(n.url, ctx, d);
    return ctx.task.ui.get(`link:${linkKey(url)}`) === true || 'Open the link first';
  },
  'condition.played': (n, ctx) =>
    ctx.task.ui.get(ctx.mediaKey ? `played:${ctx.mediaKey}` : 'played:any') === true || 'Play the media first',
  'condition.played-fully': (n, ctx) =>
    ctx.task.ui.get(ctx.mediaKey ? `ended:${ctx.mediaKey}` : 'ended:any') === true ||
    'Play the media to the end',
  'condition.same-domain': (n, ctx, d) => {
    const a = hostOf(toText(subjectValue(n, ctx, d)));
    const b = hostOf(toText(evaluate(n.original, ctx, d)));
    return (a !== null && a === b) || 'The link must be on the same site';
  },
  'condition.sub-array': (n, ctx, d) => {
    const data = subjectValue(n, ctx, d);
    const parent = evaluate(n.parent, ctx, d);
    if (data === undefined || data === null) return true;
    if (!Array.isArray(data) || !Array.isArray(parent)) return 'Invalid selection';
    return data.every((x) => parent.some((p) => deepEqual(p, x))) || 'Invalid selection';
  },
  '@yandex-toloka/condition.distance': (n, ctx, d) => {
    const a = parseCoords(evaluate(n.from, ctx, d));
    const b = parseCoords(evaluate(n.to, ctx, d));
    const max = Number(evaluate(n.max, ctx, d));
    if (!a || !b || !Number.isFinite(max)) return 'Location is unknown';
    const dLat = toRad(b[0] - a[0]);
    const dLon = toRad(b[1] - a[1]);
    const s = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(a[0])) * Math.cos(toRad(b[0])) * Math.sin(dLon / 2) ** 2;
    const meters = 2 * 6371000 * Math.asin(Math.sqrt(s));
    return meters <= max || 'Too far from the required place';
  },
};

/** Every data/helper/condition type this evaluator implements. */
export const VALUE_TYPES = [
  'data.input',
  'data.output',
  'data.internal',
  'data.local',
  'data.relative',
  '@yandex-toloka/data.location',
  ...Object.keys(HELPERS),
  ...Object.keys(CONDITIONS),
];

/** Evaluate a condition: {ok, message}.  An unknown condition type passes (and is reported). */
export function checkCondition(node, ctx, depth = 0) {
  if (node === undefined || node === null) return { ok: true, message: '' };
  if (typeof node === 'boolean') return { ok: node, message: node ? '' : 'Invalid value' };
  const n = resolveRef(node, ctx, depth);
  if (!isPlainObject(n) || typeof n.type !== 'string') {
    const v = evaluate(n, ctx, depth + 1);
    return { ok: v === true, message: v === true ? '' : 'Invalid value' };
  }
  if (groupOf(n.type) !== 'condition') {
    const v = evaluate(n, ctx, depth + 1);
    return { ok: v === true, message: v === true ? '' : 'Invalid value' };
  }
  const fn = CONDITIONS[n.type];
  if (!fn) {
    ctx.task.suite.reportUnsupported(n.type);
    return { ok: true, message: '' };
  }
  const r = fn(n, ctx, depth + 1);
  if (r === true) return { ok: true, message: '' };
  const hint = n.hint !== undefined ? toText(evaluate(n.hint, ctx, depth + 1)) : '';
  return { ok: false, message: hint || String(r) };
}
