// Plain-value helpers: comparison, cloning, safe dotted paths, "bound" component values.

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * A component config carried together with the data context it was produced in (e.g. a view built
 * by helper.transform for one item, which reads `data.local` "item").
 */
export class BoundNode {
  constructor(node, bindings) {
    this.node = node;
    this.bindings = bindings;
  }
}

export function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof BoundNode);
}

export function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (a instanceof BoundNode || b instanceof BoundNode) {
    return (
      a instanceof BoundNode &&
      b instanceof BoundNode &&
      a.node === b.node &&
      deepEqual(a.bindings, b.bindings)
    );
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || !deepEqual(a[k], b[k])) return false;
  }
  return true;
}

/** JSON-compatible deep copy (drops functions/undefined, like the wire format would). */
export function cloneJson(v) {
  if (v === undefined) return undefined;
  return JSON.parse(JSON.stringify(v));
}

/** Split "a.b.0" into segments; refuses prototype-polluting segments. */
export function parsePath(path) {
  if (path === undefined || path === null || path === '') return [];
  const segs = Array.isArray(path) ? path.map(String) : String(path).split('.');
  for (const s of segs) {
    if (FORBIDDEN_SEGMENTS.has(s)) throw new Error(`Forbidden path segment "${s}"`);
  }
  return segs.filter((s) => s !== '');
}

export function getIn(root, segs) {
  let cur = root;
  for (const s of segs) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, s)) return undefined;
    cur = cur[s];
  }
  return cur;
}

/**
 * Copy-on-write update: returns a new root with `value` at `segs`; containers along the path are
 * copied so previously handed-out values never change under their holders.  `undefined` deletes.
 */
export function setIn(root, segs, value) {
  if (!segs.length) return value;
  const [head, ...rest] = segs;
  const isIndex = /^\d+$/.test(head);
  let copy;
  if (Array.isArray(root)) copy = root.slice();
  else if (isPlainObject(root)) copy = { ...root };
  else copy = isIndex ? [] : {};
  const child = setIn(
    copy !== null && Object.prototype.hasOwnProperty.call(copy, head) ? copy[head] : undefined,
    rest,
    value,
  );
  if (child === undefined && !Array.isArray(copy)) delete copy[head];
  else if (Array.isArray(copy)) copy[Number(head)] = child === undefined ? null : child;
  else copy[head] = child;
  return copy;
}

/** True for undefined, null, '', [] and {} — the notion of "no answer" used by required/empty. */
export function isEmptyValue(v) {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainObject(v)) return Object.keys(v).length === 0;
  return false;
}

/** Human-readable text of any value (objects as JSON, like view.text does). */
export function toText(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof BoundNode) return '';
  try {
    return JSON.stringify(v, null, 2);
  } catch {
    return String(v);
  }
}
