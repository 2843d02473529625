// Small DOM helpers of the console pages (no HTML parsing of data: text nodes only).

/** Build an element: h('p', {class: 'x', text: 'hi', attrs: {role: 'note'}}, child, ...). */
export function h(tag, opts = {}, ...children) {
  const node = document.createElement(tag);
  if (opts.class) node.className = opts.class;
  if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
  for (const [k, v] of Object.entries(opts.attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const [k, v] of Object.entries(opts.props || {})) node[k] = v;
  for (const [type, fn] of Object.entries(opts.on || {})) node.addEventListener(type, fn);
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** Show a text, or hide the element when the text is empty. */
export function setText(node, text) {
  if (!node) return;
  node.textContent = text || '';
  node.hidden = !text;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
}

/** A message at the top of the page. */
export function flash(message, kind = 'info') {
  const box = document.getElementById('flash');
  if (!box) return;
  box.className = `flash is-${kind}`;
  setText(box, message);
}

const FLASH_KEY = 'crowdlab.console.flash';

export function flashNext(message, kind = 'success') {
  try {
    sessionStorage.setItem(FLASH_KEY, JSON.stringify({ message, kind }));
  } catch {
    /* private mode */
  }
}

export function showPendingFlash() {
  try {
    const raw = sessionStorage.getItem(FLASH_KEY);
    sessionStorage.removeItem(FLASH_KEY);
    if (raw) {
      const { message, kind } = JSON.parse(raw);
      if (message) flash(message, kind);
    }
  } catch {
    /* ignore */
  }
}

/** Dollars: $0.05, $12.00, $0.0025. */
export function money(value) {
  const n = Number(value) || 0;
  const fixed = Math.abs(n).toFixed(2);
  const text = Number(fixed) === Math.abs(n) ? fixed : String(Math.round(Math.abs(n) * 1e6) / 1e6);
  return `${n < 0 ? '-' : ''}$${text}`;
}

export function parseWireDate(text) {
  if (!text) return null;
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDate(text) {
  const d = parseWireDate(text);
  return d ? d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : '';
}

export function localizeTimes(root = document) {
  for (const t of root.querySelectorAll('time[datetime]')) {
    const text = formatDate(t.getAttribute('datetime'));
    if (text) t.textContent = text;
  }
}

/** Put API validation messages next to the fields whose data-field matches; returns the leftovers. */
export function showFieldErrors(root, payload) {
  for (const slot of root.querySelectorAll('[data-field] .field-error')) setText(slot, '');
  for (const control of root.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
  const leftovers = [];
  let first = null;
  for (const [key, value] of Object.entries(payload || {})) {
    const message = value && typeof value === 'object' && value.message ? value.message : String(value);
    const slot = root.querySelector(`[data-field="${CSS.escape(key)}"]`);
    const target = slot && slot.querySelector('.field-error');
    if (!target) {
      leftovers.push(key ? `${key}: ${message}` : message);
      continue;
    }
    setText(target, message);
    const control = slot.querySelector('input, select, textarea');
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      if (!first) first = control;
    }
  }
  if (first) first.focus();
  return leftovers;
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

const STATUS_LABELS = { OPEN: 'Open', CLOSED: 'Stopped', ARCHIVED: 'Archived', ACTIVE: 'Active', LOCKED: 'Locked' };

/** A status badge element's text and class. */
export function setStatus(node, status) {
  node.className = `status status-${String(status || '').toLowerCase()}`;
  node.textContent = STATUS_LABELS[status] || status || '';
}
