// DOM construction without HTML parsing.  Text always goes through text nodes; attributes are set
// one by one and inline event-handler attributes (on*) or style attributes are never written.

import { onCleanup } from './reactive.js';

let idSeq = 0;

/** Unique element id with a readable prefix. */
export function uid(prefix = 'tb') {
  idSeq += 1;
  return `${prefix}-${idSeq}`;
}

/**
 * h('div', {class: 'x', attrs: {role: 'group'}, text: 'hi', props: {disabled: true}}, ...children)
 * children: Node | string | number | null | arrays thereof.
 */
export function h(tag, opts = {}, ...children) {
  const el = document.createElement(tag);
  if (opts.class) {
    for (const c of String(opts.class).split(/\s+/)) if (c) el.classList.add(c);
  }
  if (opts.attrs) {
    for (const [k, v] of Object.entries(opts.attrs)) setAttr(el, k, v);
  }
  if (opts.props) {
    for (const [k, v] of Object.entries(opts.props)) el[k] = v;
  }
  if (opts.text !== undefined && opts.text !== null) el.textContent = String(opts.text);
  append(el, children);
  return el;
}

export function setAttr(el, name, value) {
  const lower = String(name).toLowerCase();
  if (lower.startsWith('on') || lower === 'style' || lower === 'srcdoc') {
    throw new Error(`Refusing to set attribute ${name}`);
  }
  if (value === false || value === null || value === undefined) el.removeAttribute(name);
  else el.setAttribute(name, value === true ? '' : String(value));
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** addEventListener that is removed when the current scope is disposed. */
export function listen(target, type, handler, options) {
  target.addEventListener(type, handler, options);
  onCleanup(() => target.removeEventListener(type, handler, options));
}

/** Remove `el` from the DOM when the current scope is disposed. */
export function removeOnCleanup(el) {
  onCleanup(() => el.remove());
}

/** A block that holds dynamically rebuilt content (CSS display: contents). */
export function slot(cls = '') {
  return h('div', { class: `tb-slot ${cls}` });
}

/**
 * Toggle `cls` on `el` while its width is below `minWidth` px (responsive stacking that follows the
 * element's own width, not the viewport — task cards can be narrow on wide screens).
 */
export function narrowClass(el, minWidth, cls = 'tb-narrow') {
  if (!(minWidth > 0)) return;
  const update = (width) => el.classList.toggle(cls, width > 0 && width < minWidth);
  if (typeof ResizeObserver === 'undefined') return;
  const ro = new ResizeObserver((entries) => {
    for (const e of entries) update(e.contentRect.width);
  });
  ro.observe(el);
  onCleanup(() => ro.disconnect());
}

/** Set a CSS length from a number (px) or string; ignores anything else. */
export function cssLength(value) {
  if (typeof value === 'number' && Number.isFinite(value)) return `${value}px`;
  if (typeof value === 'string' && /^\d+(\.\d+)?(px|%|em|rem|vh|vw)?$/.test(value.trim())) {
    const v = value.trim();
    return /\d$/.test(v) ? `${v}px` : v;
  }
  return '';
}

/** "w / h" for aspect-ratio from a [w, h] pair, or ''. */
export function aspectRatio(ratio) {
  if (!Array.isArray(ratio) || ratio.length !== 2) return '';
  const [w, hgt] = ratio.map(Number);
  return w > 0 && hgt > 0 ? `${w} / ${hgt}` : '';
}
