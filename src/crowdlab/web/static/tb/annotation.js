// field.image-annotation: draw rectangles, polygons and points on an image with mouse, pen or touch
// (pointer events).  Output: array of shapes with coordinates relative to the image (0..1):
//   {shape: "rectangle", left, top, width, height, label?}
//   {shape: "polygon", points: [{left, top}, ...], label?}
//   {shape: "point", left, top, label?}
// Modes: select (click a shape to select, drag to move), rectangle (drag), polygon (click points;
// finish by clicking the first point, double-click, Enter or "Finish polygon"), point (click).
// Keys on the focused image: Enter finish polygon, Escape cancel, Delete/Backspace remove selected.

import { effect, memo, onCleanup, untracked } from './reactive.js';
import { evaluate } from './evaluate.js';
import { clear, cssLength, h, listen } from './dom.js';
import { fieldRef, register } from './render.js';
import { safeUrl } from './urls.js';
import { deepEqual, isPlainObject, toText } from './values.js';

const SVG = 'http://www.w3.org/2000/svg';
const PALETTE = ['#d7263d', '#1b6ef3', '#1e9e4a', '#c46d00', '#8a3ffc', '#007d79', '#b28600', '#ee538b'];
const MIN_SIZE = 0.004;
const CLOSE_DIST = 0.025;
const MODE_NAMES = { select: 'Select', rectangle: 'Rectangle', polygon: 'Polygon', point: 'Point' };

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

const clamp = (v) => Math.min(1, Math.max(0, v));
const round = (v) => Math.round(clamp(v) * 1e6) / 1e6;

function isNum(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Keep only well-formed shapes from a stored value. */
export function cleanShapes(value) {
  if (!Array.isArray(value)) return [];
  return value.filter((s) => {
    if (!isPlainObject(s)) return false;
    if (s.shape === 'rectangle') return [s.left, s.top, s.width, s.height].every(isNum);
    if (s.shape === 'point') return isNum(s.left) && isNum(s.top);
    if (s.shape === 'polygon') {
      return Array.isArray(s.points) && s.points.length >= 3 && s.points.every((p) => isPlainObject(p) && isNum(p.left) && isNum(p.top));
    }
    return false;
  });
}

function translate(shape, dx, dy) {
  if (shape.shape === 'rectangle') {
    return {
      ...shape,
      left: round(Math.min(1 - shape.width, Math.max(0, shape.left + dx))),
      top: round(Math.min(1 - shape.height, Math.max(0, shape.top + dy))),
    };
  }
  if (shape.shape === 'point') return { ...shape, left: round(shape.left + dx), top: round(shape.top + dy) };
  const xs = shape.points.map((p) => p.left);
  const ys = shape.points.map((p) => p.top);
  const cdx = Math.min(1 - Math.max(...xs), Math.max(-Math.min(...xs), dx));
  const cdy = Math.min(1 - Math.max(...ys), Math.max(-Math.min(...ys), dy));
  return { ...shape, points: shape.points.map((p) => ({ left: round(p.left + cdx), top: round(p.top + cdy) })) };
}

register('field.image-annotation', {
  render(node, ctx, w) {
    const ref = fieldRef(node, ctx);
    if (!ref) return h('div', { class: 'tb-render-error', text: 'field.image-annotation: "data" is missing' });
    w.field(ref);
    const box = h('div', { class: 'tb-ia' });
    memo(
      () => ({
        url: evaluate(node.image, ctx),
        labels: evaluate(node.labels, ctx),
        shapes: evaluate(node.shapes, ctx),
        disabled: ctx.task.readOnly || evaluate(node.disabled, ctx) === true,
        fullHeight: evaluate(node.fullHeight, ctx),
        minWidth: evaluate(node.minWidth, ctx),
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
  const src = safeUrl(toText(p.url), 'image');
  if (!src) {
    box.appendChild(h('div', { class: 'tb-media-missing', text: p.url ? 'Image unavailable (blocked address)' : 'No image' }));
    return;
  }
  const labels = (Array.isArray(p.labels) ? p.labels : []).filter(isPlainObject).map((l, i) => ({
    value: l.value,
    text: l.label === undefined ? toText(l.value) : toText(l.label),
    color: PALETTE[i % PALETTE.length],
  }));
  const enabled = isPlainObject(p.shapes) ? p.shapes : { rectangle: true, polygon: true, point: true };
  const modes = ['select', ...['rectangle', 'polygon', 'point'].filter((m) => enabled[m] === true)];
  const st = {
    mode: modes[1] || 'select',
    label: labels.length ? labels[0].value : undefined,
    selected: -1,
    shapes: [],
    draft: null, // {kind:'rectangle', a, b} | {kind:'polygon', points, cursor} | {kind:'move', index, start, orig}
  };

  const colorOf = (label) => {
    const l = labels.find((x) => deepEqual(x.value, label));
    return l ? l.color : PALETTE[0];
  };
  const labelText = (label) => {
    const l = labels.find((x) => deepEqual(x.value, label));
    return l ? l.text : '';
  };

  // ---- DOM ----------------------------------------------------------------------------------------
  const toolbar = h('div', { class: 'tb-toolbar tb-ia-toolbar', attrs: { role: 'toolbar', 'aria-label': 'Annotation tools' } });
  const modeButtons = new Map();
  const modeGroup = h('div', { class: 'tb-button-group' });
  for (const m of modes) {
    const b = h('button', { class: 'tb-btn tb-toggle tb-btn-small', attrs: { type: 'button' }, text: MODE_NAMES[m] });
    b.dataset.mode = m;
    listen(b, 'click', () => setMode(m));
    modeButtons.set(m, b);
    modeGroup.appendChild(b);
  }
  const labelButtons = [];
  const labelGroup = h('div', { class: 'tb-button-group tb-ia-labels', attrs: { 'aria-label': 'Label' } });
  labels.forEach((l, i) => {
    const b = h('button', { class: 'tb-btn tb-toggle tb-btn-small', attrs: { type: 'button' } },
      h('span', { class: 'tb-swatch' }), l.text);
    b.firstChild.style.backgroundColor = l.color;
    listen(b, 'click', () => setLabelIndex(i));
    labelButtons.push(b);
    labelGroup.appendChild(b);
  });
  const finishBtn = h('button', { class: 'tb-btn tb-btn-small tb-btn-primary', attrs: { type: 'button' }, text: 'Finish polygon' });
  const cancelBtn = h('button', { class: 'tb-btn tb-btn-small', attrs: { type: 'button' }, text: 'Cancel' });
  const deleteBtn = h('button', { class: 'tb-btn tb-btn-small tb-btn-danger', attrs: { type: 'button' }, text: 'Delete shape' });
  listen(finishBtn, 'click', () => finishPolygon());
  listen(cancelBtn, 'click', () => cancel());
  listen(deleteBtn, 'click', () => deleteSelected());
  toolbar.append(modeGroup, labelGroup, h('div', { class: 'tb-button-group' }, finishBtn, cancelBtn, deleteBtn));

  const stage = h('div', { class: 'tb-ia-stage', attrs: { tabindex: '0', role: 'application', 'aria-label': 'Image annotation area' } });
  if (cssLength(p.minWidth)) stage.style.minWidth = cssLength(p.minWidth);
  stage.classList.toggle('tb-full-height', p.fullHeight === true);
  const img = h('img', { class: 'tb-ia-img', attrs: { alt: 'Image to annotate', draggable: 'false' } });
  img.referrerPolicy = 'no-referrer';
  const failed = h('div', { class: 'tb-media-missing', text: 'The image could not be loaded' });
  failed.hidden = true;
  listen(img, 'error', () => { failed.hidden = false; });
  img.src = src;
  const overlay = svg('svg', { class: 'tb-ia-svg', viewBox: '0 0 1 1', preserveAspectRatio: 'none' });
  const shapesLayer = svg('g');
  const draftLayer = svg('g');
  overlay.append(shapesLayer, draftLayer);
  stage.append(img, overlay);
  const list = h('ol', { class: 'tb-ia-list', attrs: { 'aria-label': 'Shapes' } });
  if (!p.disabled) box.appendChild(toolbar);
  box.append(stage, failed, list);
  w.focus(stage);

  // ---- state changes -------------------------------------------------------------------------------
  function commit(shapes) {
    st.shapes = shapes;
    ref.set(shapes.length ? shapes : undefined);
    redraw();
  }

  function setMode(m) {
    if (!modes.includes(m)) return;
    st.draft = null;
    st.mode = m;
    if (m !== 'select') st.selected = -1;
    redraw();
  }

  function setLabelIndex(i) {
    if (i < 0 || i >= labels.length) return;
    st.label = labels[i].value;
    if (st.selected >= 0 && !p.disabled) {
      const next = st.shapes.slice();
      next[st.selected] = { ...next[st.selected], label: st.label };
      commit(next);
    } else {
      redraw();
    }
  }

  function withLabel(shape) {
    return labels.length && st.label !== undefined ? { ...shape, label: st.label } : shape;
  }

  function finishPolygon() {
    const d = st.draft;
    if (!d || d.kind !== 'polygon' || d.points.length < 3) return;
    st.draft = null;
    commit([...st.shapes, withLabel({ shape: 'polygon', points: d.points.map((q) => ({ left: round(q.left), top: round(q.top) })) })]);
  }

  function cancel() {
    st.draft = null;
    st.selected = -1;
    redraw();
  }

  function deleteSelected() {
    if (st.selected < 0 || p.disabled) return;
    const next = st.shapes.filter((_, i) => i !== st.selected);
    st.selected = -1;
    commit(next);
  }

  const controller = {
    setMode,
    setLabelIndex,
    cancel,
    confirm: finishPolygon,
    root: box,
  };
  ctx.task.annotations.add(controller);
  onCleanup(() => ctx.task.annotations.delete(controller));

  // ---- drawing ---------------------------------------------------------------------------------------
  function redraw() {
    for (const [m, b] of modeButtons) b.setAttribute('aria-pressed', String(st.mode === m));
    labelButtons.forEach((b, i) => b.setAttribute('aria-pressed', String(deepEqual(labels[i].value, st.label))));
    finishBtn.hidden = !(st.draft && st.draft.kind === 'polygon');
    cancelBtn.hidden = !st.draft && st.selected < 0;
    deleteBtn.disabled = st.selected < 0;
    stage.classList.toggle('tb-drawing', st.mode !== 'select' && !p.disabled);
    clear(shapesLayer);
    st.shapes.forEach((s, i) => shapesLayer.appendChild(shapeElement(s, i)));
    clear(draftLayer);
    const d = st.draft;
    if (d && d.kind === 'rectangle') {
      draftLayer.appendChild(svg('rect', {
        class: 'tb-ia-draft', x: Math.min(d.a.left, d.b.left), y: Math.min(d.a.top, d.b.top),
        width: Math.abs(d.a.left - d.b.left), height: Math.abs(d.a.top - d.b.top),
        'vector-effect': 'non-scaling-stroke',
      }));
    } else if (d && d.kind === 'polygon') {
      const pts = [...d.points, ...(d.cursor ? [d.cursor] : [])];
      draftLayer.appendChild(svg('polyline', {
        class: 'tb-ia-draft', points: pts.map((q) => `${q.left},${q.top}`).join(' '), 'vector-effect': 'non-scaling-stroke',
      }));
    }
    clear(list);
    st.shapes.forEach((s, i) => {
      const name = `${MODE_NAMES[s.shape]} ${i + 1}${s.label !== undefined ? ` — ${labelText(s.label) || toText(s.label)}` : ''}`;
      const sel = h('button', { class: 'tb-btn tb-btn-small tb-btn-quiet', attrs: { type: 'button', 'aria-pressed': String(i === st.selected) }, text: name });
      listen(sel, 'click', () => {
        st.selected = st.selected === i ? -1 : i;
        redraw();
      });
      list.appendChild(h('li', {}, sel));
    });
  }

  function shapeElement(s, i) {
    const color = colorOf(s.label);
    const common = { 'data-index': i, class: `tb-ia-shape${i === st.selected ? ' tb-selected' : ''}`, 'vector-effect': 'non-scaling-stroke' };
    let el;
    if (s.shape === 'rectangle') el = svg('rect', { ...common, x: s.left, y: s.top, width: s.width, height: s.height });
    else if (s.shape === 'polygon') el = svg('polygon', { ...common, points: s.points.map((q) => `${q.left},${q.top}`).join(' ') });
    else el = svg('ellipse', { ...common, cx: s.left, cy: s.top, rx: 0.008, ry: 0.008 });
    el.style.stroke = color;
    el.style.fill = color;
    return el;
  }

  function capture(e) {
    try {
      overlay.setPointerCapture(e.pointerId);
    } catch {
      // synthetic or already released pointer: drawing still works without capture
    }
  }

  function pointFrom(e) {
    const r = overlay.getBoundingClientRect();
    if (!r.width || !r.height) return null;
    return { left: clamp((e.clientX - r.left) / r.width), top: clamp((e.clientY - r.top) / r.height) };
  }

  if (!p.disabled) {
    listen(overlay, 'pointerdown', (e) => {
      if (e.button !== 0) return;
      const pt = pointFrom(e);
      if (!pt) return;
      e.preventDefault();
      stage.focus({ preventScroll: true });
      const hit = e.target && e.target.getAttribute ? e.target.getAttribute('data-index') : null;
      if (st.mode === 'select') {
        st.selected = hit === null ? -1 : Number(hit);
        if (st.selected >= 0) {
          st.draft = { kind: 'move', index: st.selected, start: pt, orig: st.shapes[st.selected] };
          capture(e);
        }
        redraw();
      } else if (st.mode === 'rectangle') {
        st.draft = { kind: 'rectangle', a: pt, b: pt };
        capture(e);
        redraw();
      } else if (st.mode === 'point') {
        commit([...st.shapes, withLabel({ shape: 'point', left: round(pt.left), top: round(pt.top) })]);
      } else if (st.mode === 'polygon') {
        const d = st.draft && st.draft.kind === 'polygon' ? st.draft : (st.draft = { kind: 'polygon', points: [], cursor: null });
        const first = d.points[0];
        if (first && d.points.length >= 3 && Math.hypot(first.left - pt.left, first.top - pt.top) < CLOSE_DIST) {
          finishPolygon();
        } else {
          d.points.push(pt);
          redraw();
        }
      }
    });
    listen(overlay, 'pointermove', (e) => {
      const d = st.draft;
      if (!d) return;
      const pt = pointFrom(e);
      if (!pt) return;
      if (d.kind === 'rectangle') d.b = pt;
      else if (d.kind === 'polygon') d.cursor = pt;
      else if (d.kind === 'move') {
        const next = st.shapes.slice();
        next[d.index] = translate(d.orig, pt.left - d.start.left, pt.top - d.start.top);
        st.shapes = next;
      }
      redraw();
    });
    const end = (e) => {
      const d = st.draft;
      if (!d) return;
      if (d.kind === 'rectangle') {
        const pt = pointFrom(e) || d.b;
        st.draft = null;
        const left = Math.min(d.a.left, pt.left);
        const top = Math.min(d.a.top, pt.top);
        const width = Math.abs(d.a.left - pt.left);
        const height = Math.abs(d.a.top - pt.top);
        if (width >= MIN_SIZE && height >= MIN_SIZE) {
          commit([...st.shapes, withLabel({ shape: 'rectangle', left: round(left), top: round(top), width: round(width), height: round(height) })]);
        } else {
          redraw();
        }
      } else if (d.kind === 'move') {
        st.draft = null;
        if (!deepEqual(st.shapes[d.index], d.orig)) commit(st.shapes);
        else redraw();
      }
    };
    listen(overlay, 'pointerup', end);
    listen(overlay, 'pointercancel', () => {
      if (st.draft && st.draft.kind !== 'polygon') st.draft = null;
      st.shapes = cleanShapes(untracked(() => ref.get()));
      redraw();
    });
    listen(overlay, 'dblclick', (e) => {
      e.preventDefault();
      finishPolygon();
    });
    listen(stage, 'keydown', (e) => {
      if (e.key === 'Escape') {
        cancel();
        e.stopPropagation();
      } else if (e.key === 'Enter') {
        if (st.draft && st.draft.kind === 'polygon') {
          e.preventDefault();
          e.stopPropagation();
          finishPolygon();
        }
      } else if (e.key === 'Delete' || e.key === 'Backspace') {
        if (st.selected >= 0) {
          e.preventDefault();
          deleteSelected();
        }
      }
    });
  }

  effect(() => {
    const shapes = cleanShapes(ref.get());
    if (st.draft && st.draft.kind === 'move') return;
    st.shapes = shapes;
    if (st.selected >= shapes.length) st.selected = -1;
    redraw();
  });
}
