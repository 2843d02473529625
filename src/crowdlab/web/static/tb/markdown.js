// A small, safe Markdown-to-DOM converter.  It never parses HTML: raw "<b>" stays literal text.
// Blocks: ATX headings, paragraphs, fenced/indented code, blockquotes, ordered/unordered lists
// (nested by indentation), horizontal rules.  Inline: **bold**, __bold__, *italic*, _italic_,
// ~~strike~~, `code`, [links](url "title"), ![images](url), <https://autolinks>, \escapes,
// hard line breaks (two trailing spaces or a trailing backslash).

import { h } from './dom.js';
import { safeUrl } from './urls.js';

const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const HR = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)\s*$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const MAX_DEPTH = 12;

/**
 * Render Markdown `source` into a DocumentFragment.
 * options.onLinkClick(url) is called when a rendered link is clicked (for condition.link-opened).
 */
export function renderMarkdown(source, options = {}) {
  const frag = document.createDocumentFragment();
  const text = typeof source === 'string' ? source : String(source ?? '');
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (const node of parseBlocks(lines, options, 0)) frag.appendChild(node);
  return frag;
}

function parseBlocks(lines, options, depth) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    let m;
    if ((m = FENCE.exec(line))) {
      const fence = m[1];
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence)) body.push(lines[i++]);
      i++; // closing fence (or end)
      out.push(h('pre', { class: 'tb-md-pre' }, h('code', { text: body.join('\n') })));
      continue;
    }
    if ((m = HEADING.exec(line))) {
      const level = m[1].length;
      out.push(h(`h${level}`, { class: 'tb-md-h' }, parseInline(m[2], options, depth)));
      i++;
      continue;
    }
    if (HR.test(line)) {
      out.push(h('hr', { class: 'tb-md-hr' }));
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const inner = [];
      while (i < lines.length && lines[i].trim() && (m = QUOTE.exec(lines[i]))) {
        inner.push(m[1]);
        i++;
      }
      const bq = h('blockquote', { class: 'tb-md-quote' });
      if (depth < MAX_DEPTH) for (const n of parseBlocks(inner, options, depth + 1)) bq.appendChild(n);
      out.push(bq);
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const [node, next] = parseList(lines, i, options, depth);
      out.push(node);
      i = next;
      continue;
    }
    if (/^( {4}|\t)/.test(line)) {
      const body = [];
      while (i < lines.length && (/^( {4}|\t)/.test(lines[i]) || !lines[i].trim())) {
        body.push(lines[i].replace(/^( {4}|\t)/, ''));
        i++;
      }
      while (body.length && !body[body.length - 1].trim()) body.pop();
      out.push(h('pre', { class: 'tb-md-pre' }, h('code', { text: body.join('\n') })));
      continue;
    }
    const para = [];
    while (
      i < lines.length &&
      lines[i].trim() &&
      !FENCE.test(lines[i]) &&
      !HEADING.test(lines[i]) &&
      !HR.test(lines[i]) &&
      !QUOTE.test(lines[i]) &&
      !LIST_ITEM.test(lines[i])
    ) {
      para.push(lines[i]);
      i++;
    }
    out.push(h('p', { class: 'tb-md-p' }, inlineWithBreaks(para, options, depth)));
  }
  return out;
}

function parseList(lines, start, options, depth) {
  const first = LIST_ITEM.exec(lines[start]);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const list = h(ordered ? 'ol' : 'ul', { class: 'tb-md-list' });
  if (ordered) {
    const n = parseInt(first[2], 10);
    if (n !== 1) list.setAttribute('start', String(n));
  }
  let i = start;
  while (i < lines.length) {
    const m = LIST_ITEM.exec(lines[i]);
    if (!m || m[1].length !== indent || /\d/.test(m[2]) !== ordered) break;
    const body = [m[3]];
    i++;
    while (i < lines.length) {
      const l = lines[i];
      if (!l.trim()) {
        // blank line: continue only if the next line is indented under this item
        if (i + 1 < lines.length && leadingSpaces(lines[i + 1]) > indent && lines[i + 1].trim()) {
          body.push('');
          i++;
          continue;
        }
        break;
      }
      const lm = LIST_ITEM.exec(l);
      if (lm && lm[1].length <= indent) break;
      if (!lm && leadingSpaces(l) <= indent && body.length && !body[body.length - 1].trim()) break;
      body.push(l.slice(Math.min(leadingSpaces(l), indent + 2)));
      i++;
    }
    const li = h('li');
    const hasBlocks = body.slice(1).some((l) => LIST_ITEM.test(l) || !l.trim());
    if (!hasBlocks || depth >= MAX_DEPTH) {
      for (const n of inlineWithBreaks(body, options, depth)) li.appendChild(n);
    } else {
      const blocks = parseBlocks(body, options, depth + 1);
      // A single leading paragraph is rendered inline (tight list).
      for (const n of blocks) {
        if (n.tagName === 'P' && blocks.length && n === blocks[0]) {
          while (n.firstChild) li.appendChild(n.firstChild);
        } else {
          li.appendChild(n);
        }
      }
    }
    list.appendChild(li);
    // skip blank lines between items of the same list
    let j = i;
    while (j < lines.length && !lines[j].trim()) j++;
    if (j < lines.length && j !== i) {
      const nm = LIST_ITEM.exec(lines[j]);
      if (nm && nm[1].length === indent && /\d/.test(nm[2]) === ordered) i = j;
    }
  }
  return [list, i];
}

function leadingSpaces(s) {
  return s.length - s.replace(/^\s+/, '').length;
}

function inlineWithBreaks(lines, options, depth) {
  const nodes = [];
  lines.forEach((raw, idx) => {
    const hard = / {2,}$/.test(raw) || /\\$/.test(raw);
    const line = raw.replace(/\\$/, '').trim();
    nodes.push(...parseInline(line, options, depth));
    if (idx < lines.length - 1) nodes.push(hard ? h('br') : document.createTextNode(' '));
  });
  return nodes;
}

const ESCAPABLE = '\\`*_{}[]()#+-.!~<>|"\'';

/** Parse inline Markdown into an array of DOM nodes. */
export function parseInline(text, options = {}, depth = 0) {
  const out = [];
  let buf = '';
  const flush = () => {
    if (buf) out.push(document.createTextNode(buf));
    buf = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length && ESCAPABLE.includes(text[i + 1])) {
      buf += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      let run = 1;
      while (text[i + run] === '`') run++;
      const fence = '`'.repeat(run);
      const end = text.indexOf(fence, i + run);
      if (end > 0) {
        flush();
        out.push(h('code', { class: 'tb-md-code', text: text.slice(i + run, end).trim() }));
        i = end + run;
        continue;
      }
      buf += fence;
      i += run;
      continue;
    }
    if (depth < MAX_DEPTH && (c === '[' || (c === '!' && text[i + 1] === '['))) {
      const isImage = c === '!';
      const link = parseLinkAt(text, isImage ? i + 1 : i);
      if (link) {
        flush();
        out.push(isImage ? makeImage(link) : makeLink(link, options, depth));
        i = link.end;
        continue;
      }
    }
    if (c === '<') {
      const m = /^<(https?:\/\/[^\s<>]+)>/i.exec(text.slice(i));
      if (m) {
        flush();
        out.push(makeLink({ label: m[1], url: m[1], title: '' }, options, MAX_DEPTH));
        i += m[0].length;
        continue;
      }
    }
    if (depth < MAX_DEPTH && (c === '*' || c === '_' || c === '~')) {
      const span = parseEmphasisAt(text, i);
      if (span) {
        flush();
        const tag = span.kind;
        const el = h(tag, { class: `tb-md-${tag}` });
        for (const n of parseInline(span.inner, options, depth + 1)) el.appendChild(n);
        out.push(el);
        i = span.end;
        continue;
      }
    }
    buf += c;
    i++;
  }
  flush();
  return out;
}

function parseEmphasisAt(text, i) {
  const c = text[i];
  const double = text[i + 1] === c;
  if (c === '~' && !double) return null;
  const delim = double ? c + c : c;
  const start = i + delim.length;
  if (start >= text.length || /\s/.test(text[start])) return null;
  // '_' must not be intraword (snake_case stays literal)
  if (c === '_' && i > 0 && /[\p{L}\p{N}]/u.test(text[i - 1])) return null;
  let j = start;
  while (j < text.length) {
    j = text.indexOf(delim, j);
    if (j < 0) return null;
    if (text[j - 1] === '\\') {
      j += 1;
      continue;
    }
    if (!double && text[j + 1] === c) {
      // "**" inside single emphasis: skip the pair
      j += 2;
      continue;
    }
    if (/\s/.test(text[j - 1]) || j === start) {
      j += delim.length;
      continue;
    }
    if (c === '_' && j + delim.length < text.length && /[\p{L}\p{N}]/u.test(text[j + delim.length])) {
      j += delim.length;
      continue;
    }
    const kind = c === '~' ? 'del' : double ? 'strong' : 'em';
    return { kind, inner: text.slice(start, j), end: j + delim.length };
  }
  return null;
}

function parseLinkAt(text, i) {
  // text[i] === '['
  let depthB = 0;
  let j = i;
  for (; j < text.length; j++) {
    if (text[j] === '\\') {
      j++;
      continue;
    }
    if (text[j] === '[') depthB++;
    else if (text[j] === ']') {
      depthB--;
      if (depthB === 0) break;
    }
  }
  if (j >= text.length || text[j + 1] !== '(') return null;
  const label = text.slice(i + 1, j);
  let k = j + 2;
  let parens = 1;
  let inner = '';
  for (; k < text.length; k++) {
    const ch = text[k];
    if (ch === '(') parens++;
    if (ch === ')') {
      parens--;
      if (parens === 0) break;
    }
    inner += ch;
  }
  if (k >= text.length) return null;
  const m = /^\s*<?([^\s>]*)>?(?:\s+["'(](.*)["')])?\s*$/.exec(inner);
  if (!m) return null;
  return { label, url: m[1], title: m[2] || '', end: k + 1 };
}

function makeLink(link, options, depth) {
  const href = safeUrl(link.url, 'link');
  const children = parseInline(link.label, { ...options, noLinks: true }, depth + 1);
  if (!href || options.noLinks) {
    const span = h('span', { class: href ? '' : 'tb-md-blocked-link' }, children);
    if (!href) span.title = 'Link blocked: unsupported address';
    return span;
  }
  const a = h('a', {
    class: 'tb-md-link',
    attrs: { href, target: '_blank', rel: 'noopener noreferrer nofollow' },
  }, children);
  if (link.title) a.title = link.title;
  if (options.onLinkClick) a.addEventListener('click', () => options.onLinkClick(link.url));
  return a;
}

function makeImage(link) {
  const src = safeUrl(link.url, 'image');
  if (!src) return h('span', { class: 'tb-md-blocked-link', text: link.label || 'image' });
  const img = h('img', { class: 'tb-md-img', attrs: { alt: link.label, loading: 'lazy' } });
  img.referrerPolicy = 'no-referrer';
  img.src = src;
  if (link.title) img.title = link.title;
  return img;
}
