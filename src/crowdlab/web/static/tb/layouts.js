// layout.* components.  Responsive by their own width: below minWidth they stack vertically.

import { memo, untracked } from './reactive.js';
import { evaluate, isRefNode, resolveRef } from './evaluate.js';
import { cssLength, h, narrowClass } from './dom.js';
import { register, renderEach, renderNode } from './render.js';
import { isPlainObject } from './values.js';

function num(value, ctx, fallback) {
  const v = untracked(() => evaluate(value, ctx));
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
}

register('layout.columns', {
  render(node, ctx) {
    const row = h('div', { class: 'tb-columns' });
    narrowClass(row, num(node.minWidth, ctx, 480), 'tb-stacked');
    memo(
      () => ({
        ratio: evaluate(node.ratio, ctx),
        align: evaluate(node.verticalAlign, ctx),
        fullHeight: evaluate(node.fullHeight, ctx),
      }),
      (p) => {
        row.classList.remove('tb-align-top', 'tb-align-middle', 'tb-align-bottom');
        row.classList.add(`tb-align-${['middle', 'bottom'].includes(p.align) ? p.align : 'top'}`);
        row.classList.toggle('tb-full-height', p.fullHeight === true);
        [...row.children].forEach((col, i) => {
          const r = Array.isArray(p.ratio) ? Number(p.ratio[i]) : NaN;
          col.style.flexGrow = Number.isFinite(r) && r > 0 ? String(r) : '1';
        });
      },
    );
    renderEach(row, node.items, ctx, (item, c, i) => {
      const col = h('div', { class: 'tb-column' }, renderNode(item, c));
      const ratio = untracked(() => evaluate(node.ratio, c));
      const r = Array.isArray(ratio) ? Number(ratio[i]) : NaN;
      col.style.flexGrow = Number.isFinite(r) && r > 0 ? String(r) : '1';
      return col;
    });
    return row;
  },
});

register('layout.side-by-side', {
  render(node, ctx) {
    const box = h('div', { class: 'tb-side-by-side' });
    const items = h('div', { class: 'tb-sbs-items' });
    const width = num(node.minItemWidth, ctx, 300);
    items.style.gridTemplateColumns = `repeat(auto-fit, minmax(min(100%, ${width}px), 1fr))`;
    renderEach(items, node.items, ctx, (item, c) => h('div', { class: 'tb-sbs-item' }, renderNode(item, c)));
    box.appendChild(items);
    if (node.controls !== undefined) box.appendChild(h('div', { class: 'tb-sbs-controls' }, renderNode(node.controls, ctx)));
    return box;
  },
});

register('layout.sidebar', {
  render(node, ctx) {
    const box = h('div', { class: 'tb-sidebar' });
    narrowClass(box, num(node.minWidth, ctx, 480), 'tb-stacked');
    box.style.setProperty('--tb-controls-width', cssLength(num(node.controlsWidth, ctx, 220)) || '220px');
    const controls = h('div', { class: 'tb-sidebar-controls' }, renderNode(node.controls, ctx));
    if (node.extraControls !== undefined) {
      controls.appendChild(h('div', { class: 'tb-sidebar-extra' }, renderNode(node.extraControls, ctx)));
    }
    box.append(h('div', { class: 'tb-sidebar-content' }, renderNode(node.content, ctx)), controls);
    return box;
  },
});

register('layout.bars', {
  render(node, ctx) {
    const box = h('div', { class: 'tb-bars' });
    if (node.barBefore !== undefined) box.appendChild(h('div', { class: 'tb-bar tb-bar-before' }, renderNode(node.barBefore, ctx)));
    box.appendChild(h('div', { class: 'tb-bars-content' }, renderNode(node.content, ctx)));
    if (node.barAfter !== undefined) box.appendChild(h('div', { class: 'tb-bar tb-bar-after' }, renderNode(node.barAfter, ctx)));
    return box;
  },
});

register('layout.compare', {
  render(node, ctx) {
    const box = h('div', { class: 'tb-compare' });
    const items = h('div', { class: 'tb-compare-items' });
    const width = num(node.minWidth, ctx, 260);
    items.style.gridTemplateColumns = `repeat(auto-fit, minmax(min(100%, ${width}px), 1fr))`;
    renderEach(items, node.items, ctx, (raw, c) => {
      const item = isRefNode(raw) ? resolveRef(raw, c) : raw;
      const cell = h('div', { class: 'tb-compare-item' });
      if (!isPlainObject(item)) return cell;
      cell.appendChild(h('div', { class: 'tb-compare-content' }, renderNode(item.content, c)));
      if (item.controls !== undefined) {
        cell.appendChild(h('div', { class: 'tb-compare-controls' }, renderNode(item.controls, c)));
      }
      return cell;
    });
    box.appendChild(items);
    if (node.commonControls !== undefined) {
      const common = h('div', { class: 'tb-compare-common' }, renderNode(node.commonControls, ctx));
      common.classList.toggle('tb-wide', untracked(() => evaluate(node.wideCommonControls, ctx)) === true);
      box.appendChild(common);
    }
    return box;
  },
});
