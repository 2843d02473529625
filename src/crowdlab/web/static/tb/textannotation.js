// field.text-annotation: select a span of the text, it gets the current label.
// Output: [{start, end, content, label}] sorted by start; spans never overlap.
// `adjust: "words"` widens a selection to whole words.  Each highlighted span has a remove button
// (its "×" is drawn by CSS so it never becomes part of the text offsets).

import { effect, memo, onCleanup } from './reactive.js';
import { evaluate } from './evaluate.js';
import { clear, h, listen } from './dom.js';
import { fieldRef, register } from './render.js';
import { deepEqual, isPlainObject, toText } from './values.js';

const PALETTE = ['#ffd8a8', '#b2f2bb', '#a5d8ff', '#eebefa', '#ffec99', '#99e9f2', '#fcc2d7', '#d0bfff'];
const WORD = /[\p{L}\p{N}_'-]/u;

/** Well-formed, non-overlapping annotations within `length`, sorted by start. */
export function cleanSpans(value, length) {
  if (!Array.isArray(value)) return [];
  const spans = value
    .filter((a) => isPlainObject(a) && Number.isInteger(a.start) && Number.isInteger(a.end))
    .filter((a) => a.start >= 0 && a.end <= length && a.start < a.end)
    .sort((a, b) => a.start - b.start);
  const out = [];
  for (const a of spans) if (!out.length || out[out.length - 1].end <= a.start) out.push(a);
  return out;
}

register('field.text-annotation', {
  render(node, ctx, w) {
    const ref = fieldRef(node, ctx);
    if (!ref) return h('div', { class: 'tb-render-error', text: 'field.text-annotation: "data" is missing' });
    w.field(ref);
    const box = h('div', { class: 'tb-ta' });
    memo(
      () => ({
        content: toText(evaluate(node.content, ctx)),
        labels: evaluate(node.labels, ctx),
        adjust: evaluate(node.adjust, ctx),
        disabled: ctx.task.readOnly || evaluate(node.disabled, ctx) === true,
      }),
      (p) => {
        clear(box);
        build(box, p, ref, ctx, w);
      },
    );
    return box;
  },
});

function build(box, p, ref, ctx, w) {
  const text = p.content;
  const labels = (Array.isArray(p.labels) ? p.labels : []).filter(isPlainObject).map((l, i) => ({
    value: l.value,
    text: l.label === undefined ? toText(l.value) : toText(l.label),
    color: PALETTE[i % PALETTE.length],
  }));
  const st = { label: labels.length ? labels[0].value : undefined, spans: [] };
  const labelOf = (v) => labels.find((l) => deepEqual(l.value, v));

  const toolbar = h('div', { class: 'tb-toolbar', attrs: { role: 'toolbar', 'aria-label': 'Labels' } });
  const buttons = labels.map((l, i) => {
    const b = h('button', { class: 'tb-btn tb-toggle tb-btn-small', attrs: { type: 'button' } }, h('span', { class: 'tb-swatch' }), l.text);
    b.firstChild.style.backgroundColor = l.color;
    // keep the text selection when the button is pressed
    listen(b, 'mousedown', (e) => e.preventDefault());
    listen(b, 'click', () => setLabelIndex(i));
    toolbar.appendChild(b);
    return b;
  });
  const contentEl = h('div', { class: 'tb-ta-content' });
  const status = h('div', { class: 'tb-upload-status', attrs: { 'aria-live': 'polite' } });
  if (!p.disabled) {
    box.appendChild(toolbar);
    box.appendChild(h('div', { class: 'tb-hint', text: 'Select text to mark it with the chosen label.' }));
  }
  box.append(contentEl, status);
  w.focus(buttons[0] || contentEl);

  function selectionOffsets() {
    const sel = window.getSelection();
    if (!sel || !sel.rangeCount || sel.isCollapsed) return null;
    const r = sel.getRangeAt(0);
    if (!contentEl.contains(r.startContainer) || !contentEl.contains(r.endContainer)) return null;
    const pre = document.createRange();
    pre.selectNodeContents(contentEl);
    pre.setEnd(r.startContainer, r.startOffset);
    const start = pre.toString().length;
    let end = start + r.toString().length;
    let s = start;
    while (s < end && /\s/.test(text[s])) s++;
    while (end > s && /\s/.test(text[end - 1])) end--;
    if (p.adjust === 'words') {
      while (s > 0 && WORD.test(text[s - 1]) && WORD.test(text[s])) s--;
      while (end < text.length && WORD.test(text[end]) && WORD.test(text[end - 1])) end++;
    }
    return s < end ? { start: s, end } : null;
  }

  function commit(spans) {
    ref.set(spans.length ? spans : undefined);
  }

  function addSelection() {
    const off = selectionOffsets();
    if (!off || p.disabled) return false;
    if (st.spans.some((a) => a.start < off.end && off.start < a.end)) {
      status.textContent = 'Marked fragments cannot overlap.';
      return false;
    }
    const span = { start: off.start, end: off.end, content: text.slice(off.start, off.end) };
    if (labels.length) span.label = st.label;
    commit([...st.spans, span].sort((a, b) => a.start - b.start));
    status.textContent = '';
    window.getSelection().removeAllRanges();
    return true;
  }

  function setLabelIndex(i) {
    if (i < 0 || i >= labels.length) return;
    st.label = labels[i].value;
    buttons.forEach((b, j) => b.setAttribute('aria-pressed', String(j === i)));
    addSelection();
  }

  function removeAtSelection() {
    const off = selectionOffsets();
    if (!off) return;
    commit(st.spans.filter((a) => !(a.start < off.end && off.start < a.end)));
  }

  if (labels.length) setLabelIndex(0);
  if (!p.disabled) {
    listen(contentEl, 'mouseup', () => addSelection());
    listen(contentEl, 'touchend', () => setTimeout(addSelection, 0));
    listen(contentEl, 'keyup', (e) => {
      if (e.key === 'Enter') addSelection();
    });
  }
  const controller = { setLabelIndex, remove: removeAtSelection, root: box };
  ctx.task.textAnnotations.add(controller);
  onCleanup(() => ctx.task.textAnnotations.delete(controller));

  effect(() => {
    st.spans = cleanSpans(ref.get(), text.length);
    clear(contentEl);
    let pos = 0;
    st.spans.forEach((a) => {
      if (a.start > pos) contentEl.appendChild(document.createTextNode(text.slice(pos, a.start)));
      const l = labelOf(a.label);
      const mark = h('mark', { class: 'tb-ta-mark', text: text.slice(a.start, a.end) });
      if (l) {
        mark.style.backgroundColor = l.color;
        mark.title = l.text;
      }
      if (!p.disabled) {
        const rm = h('button', {
          class: 'tb-ta-remove',
          attrs: { type: 'button', 'aria-label': `Remove “${text.slice(a.start, a.end)}”${l ? ` (${l.text})` : ''}` },
        });
        listen(rm, 'click', () => commit(st.spans.filter((x) => x !== a)));
        mark.appendChild(rm);
      }
      contentEl.appendChild(mark);
      pos = a.end;
    });
    if (pos < text.length) contentEl.appendChild(document.createTextNode(text.slice(pos)));
  });
}
