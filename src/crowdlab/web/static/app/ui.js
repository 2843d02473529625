// Small DOM helpers shared by the pages: element building, field errors, flash messages, formats.

/** Build an element: el('p', {class: 'x', text: 'hi', attrs: {role: 'note'}}, child, ...). */
export function el(tag, opts = {}, ...children) {
  const node = document.createElement(tag);
  if (opts.class) node.className = opts.class;
  if (opts.text !== undefined) node.textContent = String(opts.text);
  for (const [k, v] of Object.entries(opts.attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const [k, v] of Object.entries(opts.props || {})) node[k] = v;
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Show an element's text, or hide it when the text is empty. */
export function setText(node, text) {
  node.textContent = text || '';
  node.hidden = !text;
}

function controlOf(slot) {
  return slot.querySelector('input, select, textarea');
}

/** Remove every field and form error of a form. */
export function clearErrors(form) {
  for (const slot of form.querySelectorAll('[data-field]')) {
    const message = slot.querySelector('.field-error');
    if (message) setText(message, '');
    const control = controlOf(slot);
    if (control) control.removeAttribute('aria-invalid');
  }
  const general = form.querySelector('.form-error');
  if (general) setText(general, '');
}

/**
 * Show the API's validation payload ({"profile.country": {message}}) next to the fields whose
 * data-field matches; anything else goes to the form's general error. Focuses the first problem.
 */
export function showErrors(form, payload, fallback = '') {
  clearErrors(form);
  const leftovers = [];
  let first = null;
  for (const [key, value] of Object.entries(payload || {})) {
    const message = value && typeof value === 'object' && value.message ? value.message : String(value);
    const slot = form.querySelector(`[data-field="${CSS.escape(key)}"]`);
    const target = slot && slot.querySelector('.field-error');
    if (!target) {
      leftovers.push(message);
      continue;
    }
    setText(target, message);
    const control = controlOf(slot);
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      if (!target.id) target.id = `${control.id || key.replace(/\W/g, '-')}-error`;
      const described = new Set((control.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean));
      described.add(target.id);
      control.setAttribute('aria-describedby', [...described].join(' '));
      if (!first) first = control;
    }
  }
  const general = form.querySelector('.form-error');
  const text = leftovers.length ? leftovers.join(' ') : !first ? fallback : '';
  if (general) setText(general, text);
  (first || general)?.focus?.();
}

/** A field-level error from code, for checks done in the browser before sending. */
export function fieldError(form, key, message) {
  showErrors(form, { [key]: { message } });
}

const FLASH_KEY = 'crowdlab.flash';

/** Keep a message for the next page (e.g. "Suite skipped" on the marketplace). */
export function flashNext(message, kind = 'info') {
  try {
    sessionStorage.setItem(FLASH_KEY, JSON.stringify({ message, kind }));
  } catch {
    /* private mode: the message is just not shown */
  }
}

/** Show a message at the top of the page (role=status). */
export function flash(message, kind = 'info') {
  const box = document.getElementById('flash');
  if (!box) return;
  box.className = `flash is-${kind}`;
  setText(box, message);
}

/** Show the message a previous page left with flashNext(). */
export function showPendingFlash() {
  let raw = null;
  try {
    raw = sessionStorage.getItem(FLASH_KEY);
    sessionStorage.removeItem(FLASH_KEY);
  } catch {
    return;
  }
  if (!raw) return;
  try {
    const { message, kind } = JSON.parse(raw);
    if (message) flash(message, kind);
  } catch {
    /* ignore a damaged entry */
  }
}

/** Dollars: $0.05, $12.00, $0.0025. */
export function money(value) {
  const n = Number(value) || 0;
  const fixed = n.toFixed(2);
  const text = Number(fixed) === n ? fixed : String(Math.round(n * 1e6) / 1e6);
  return n < 0 ? `-$${text.replace('-', '')}` : `$${text}`;
}

/** A wire timestamp (naive UTC) as a Date. */
export function parseWireDate(text) {
  if (!text) return null;
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Local, readable date and time. */
export function formatDate(date) {
  if (!date) return '';
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** Rewrite <time datetime="...Z"> elements rendered in UTC by the server into local time. */
export function localizeTimes(root = document) {
  for (const t of root.querySelectorAll('time[datetime]')) {
    const d = parseWireDate(t.getAttribute('datetime'));
    if (d) {
      t.textContent = formatDate(d);
      t.title = d.toISOString();
    }
  }
}
