// Tiny SVG charts built with DOM calls (no library, no inline style): horizontal bars for counts
// and columns for a series over time. Colours come from CSS classes in console.css.

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const child of children) if (child) node.append(child);
  return node;
}

function text(x, y, content, cls, anchor = 'start') {
  const t = svg('text', { x, y, class: cls, 'text-anchor': anchor });
  t.textContent = content;
  return t;
}

function clearNode(node) {
  while (node.firstChild) node.firstChild.remove();
}

/**
 * Horizontal bars: items [{label, value, cls?}]. Each bar carries data-label / data-value so that
 * tests and screen readers (a visually hidden table is added too) can read the figures.
 */
export function barChart(container, items, { width = 420, barHeight = 22, gap = 8, labelWidth = 130, empty = 'No data yet' } = {}) {
  clearNode(container);
  if (!items.length) {
    const p = document.createElement('p');
    p.className = 'muted small chart-empty';
    p.textContent = empty;
    container.append(p);
    return;
  }
  const max = Math.max(1, ...items.map((i) => Number(i.value) || 0));
  const height = items.length * (barHeight + gap);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart-svg', role: 'img', 'aria-label': items.map((i) => `${i.label}: ${i.value}`).join(', ') });
  items.forEach((item, i) => {
    const y = i * (barHeight + gap);
    const span = width - labelWidth - 50;
    const w = Math.max(item.value ? 2 : 0, (span * (Number(item.value) || 0)) / max);
    const group = svg('g', { class: 'chart-bar', 'data-label': item.label, 'data-value': item.value });
    group.append(
      text(labelWidth - 8, y + barHeight * 0.7, item.label, 'chart-label', 'end'),
      svg('rect', { x: labelWidth, y, width: span, height: barHeight, rx: 3, class: 'chart-track' }),
      svg('rect', { x: labelWidth, y, width: w, height: barHeight, rx: 3, class: `chart-fill ${item.cls || ''}` }),
      text(labelWidth + w + 6, y + barHeight * 0.7, String(item.value), 'chart-value'),
    );
    chart.append(group);
  });
  container.append(chart);
}

/** Columns over time: points [{t, submitted}] (t an ISO string), one column per bucket. */
export function columnChart(container, points, { width = 520, height = 160, empty = 'No answers yet' } = {}) {
  clearNode(container);
  if (!points.length) {
    const p = document.createElement('p');
    p.className = 'muted small chart-empty';
    p.textContent = empty;
    container.append(p);
    return;
  }
  const pad = { left: 34, bottom: 22, top: 8, right: 6 };
  const max = Math.max(1, ...points.map((p) => p.submitted));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const step = plotW / points.length;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart-svg', role: 'img', 'aria-label': `Answers submitted per interval, up to ${max}` });
  chart.append(
    svg('line', { x1: pad.left, y1: pad.top + plotH, x2: width - pad.right, y2: pad.top + plotH, class: 'chart-axis' }),
    text(pad.left - 4, pad.top + 10, String(max), 'chart-label', 'end'),
    text(pad.left - 4, pad.top + plotH, '0', 'chart-label', 'end'),
  );
  points.forEach((point, i) => {
    const h = (plotH * point.submitted) / max;
    const rect = svg('rect', {
      x: pad.left + i * step + 1,
      y: pad.top + plotH - h,
      width: Math.max(1, step - 2),
      height: h,
      class: 'chart-fill chart-column',
      'data-value': point.submitted,
    });
    const title = svg('title');
    title.textContent = `${new Date(`${point.t}Z`).toLocaleTimeString()}: ${point.submitted}`;
    rect.append(title);
    chart.append(rect);
  });
  const first = new Date(`${points[0].t}Z`);
  const last = new Date(`${points[points.length - 1].t}Z`);
  chart.append(
    text(pad.left, height - 6, first.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }), 'chart-label'),
    text(width - pad.right, height - 6, last.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }), 'chart-label', 'end'),
  );
  container.append(chart);
}
