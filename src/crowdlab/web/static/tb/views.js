// view.* components.

import { memo, untracked } from './reactive.js';
import { evaluate, isRefNode, resolveRef } from './evaluate.js';
import { aspectRatio, clear, cssLength, h, listen, narrowClass, uid } from './dom.js';
import { bindText, register, renderEach, renderNode } from './render.js';
import { renderMarkdown } from './markdown.js';
import { runAction } from './actions.js';
import { linkKey, safeUrl } from './urls.js';
import { isPlainObject, toText } from './values.js';

/** Evaluate several parameters of `node` at once (tracked), for use as memo props. */
export function params(node, ctx, names) {
  const out = {};
  for (const n of names) out[n] = node[n] === undefined ? undefined : evaluate(node[n], ctx);
  return out;
}

function markLinkOpened(ctx, raw) {
  ctx.task.ui.set(`link:${linkKey(toText(raw))}`, true);
}

/** <a> for a safe URL, or an inert span saying the link was blocked. */
export function linkElement(rawUrl, content, ctx, cls = 'tb-link') {
  const href = safeUrl(toText(rawUrl), 'link');
  const text = content === undefined || content === null || content === '' ? toText(rawUrl) : toText(content);
  if (!href) {
    return h('span', { class: `${cls} tb-blocked-link`, attrs: { title: 'Link blocked: unsupported address' } },
      text, h('span', { class: 'tb-blocked-note', text: ' (link blocked)' }));
  }
  const a = h('a', { class: cls, attrs: { href, target: '_blank', rel: 'noopener noreferrer nofollow' }, text });
  listen(a, 'click', () => markLinkOpened(ctx, rawUrl));
  return a;
}

register('view.text', {
  render(node, ctx) {
    const el = h('div', { class: 'tb-text-content' });
    bindText(el, node.content, ctx);
    return el;
  },
});

register('view.markdown', {
  render(node, ctx) {
    const el = h('div', { class: 'tb-markdown' });
    memo(
      () => toText(evaluate(node.content, ctx)),
      (text) => {
        clear(el);
        el.appendChild(renderMarkdown(text, { onLinkClick: (url) => markLinkOpened(ctx, url) }));
      },
    );
    return el;
  },
});

register('view.image', {
  render(node, ctx, w) {
    const box = h('div', { class: 'tb-image' });
    const state = { rotation: 0, apply: null, popup: null };
    w.controller({
      rotate: (dir) => {
        state.rotation = (state.rotation + (dir === 'left' ? -90 : 90) + 360) % 360;
        if (state.apply) state.apply();
      },
      openClose: () => state.popup && state.popup(),
    });
    memo(
      () =>
        params(node, ctx, [
          'url', 'fullHeight', 'maxWidth', 'minWidth', 'noBorder', 'noLazyLoad', 'popup', 'ratio', 'rotatable',
          'scrollable',
        ]),
      (p) => {
        clear(box);
        state.popup = null;
        state.apply = null;
        const src = safeUrl(toText(p.url), 'image');
        if (!src) {
          box.appendChild(h('div', {
            class: 'tb-media-missing',
            text: p.url ? 'Image unavailable (blocked address)' : 'No image',
          }));
          return;
        }
        const frame = h('div', { class: 'tb-image-frame' });
        frame.classList.toggle('tb-noborder', p.noBorder === true);
        frame.classList.toggle('tb-full-height', p.fullHeight === true);
        frame.classList.toggle('tb-scrollable', p.scrollable === true);
        const ar = aspectRatio(p.ratio);
        if (ar) {
          frame.classList.add('tb-has-ratio');
          frame.style.aspectRatio = ar;
        }
        if (cssLength(p.maxWidth)) frame.style.maxWidth = cssLength(p.maxWidth);
        if (cssLength(p.minWidth)) frame.style.minWidth = cssLength(p.minWidth);
        const img = h('img', { class: 'tb-img', attrs: { alt: toText(evaluateLabel(node, ctx)) || 'Task image' } });
        img.referrerPolicy = 'no-referrer';
        if (p.noLazyLoad !== true) img.loading = 'lazy';
        img.decoding = 'async';
        const failed = h('div', { class: 'tb-media-missing', text: 'The image could not be loaded' });
        failed.hidden = true;
        listen(img, 'error', () => {
          failed.hidden = false;
          img.hidden = true;
        });
        img.src = src;
        frame.appendChild(img);
        state.apply = () => {
          img.style.transform = state.rotation ? `rotate(${state.rotation}deg)` : '';
        };
        state.apply();
        box.append(frame, failed);
        if (p.popup === true) {
          img.classList.add('tb-zoomable');
          img.tabIndex = 0;
          img.setAttribute('role', 'button');
          img.setAttribute('aria-label', 'Open full size image');
          state.popup = () => openImagePopup(src, img.alt);
          listen(img, 'click', state.popup);
          listen(img, 'keydown', (e) => {
            if (e.key === 'Enter' || e.key === ' ') {
              e.preventDefault();
              state.popup();
            }
          });
        }
        if (p.rotatable === true) {
          const bar = h('div', { class: 'tb-toolbar' },
            h('button', { class: 'tb-btn tb-btn-small', attrs: { type: 'button' }, text: '⟲ Rotate left' }),
            h('button', { class: 'tb-btn tb-btn-small', attrs: { type: 'button' }, text: 'Rotate right ⟳' }),
          );
          const [left, right] = bar.children;
          listen(left, 'click', () => {
            state.rotation = (state.rotation + 270) % 360;
            state.apply();
          });
          listen(right, 'click', () => {
            state.rotation = (state.rotation + 90) % 360;
            state.apply();
          });
          box.appendChild(bar);
        }
      },
    );
    return box;
  },
});

function evaluateLabel(node, ctx) {
  return node.label === undefined ? '' : untracked(() => evaluate(node.label, ctx));
}

function openImagePopup(src, alt) {
  const dialog = h('dialog', { class: 'tb-popup', attrs: { 'aria-label': 'Full size image' } });
  const close = h('button', { class: 'tb-btn tb-popup-close', attrs: { type: 'button' }, text: 'Close' });
  const img = h('img', { class: 'tb-popup-img', attrs: { alt } });
  img.referrerPolicy = 'no-referrer';
  img.src = src;
  dialog.append(close, img);
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });
  document.body.appendChild(dialog);
  if (typeof dialog.showModal === 'function') dialog.showModal();
  else dialog.setAttribute('open', '');
  close.focus();
}

function mediaView(kind) {
  return {
    render(node, ctx, w) {
      const key = uid(kind);
      w.media(key);
      const box = h('div', { class: `tb-media tb-${kind}-box` });
      const current = { el: null };
      w.controller({
        playPause: () => {
          const m = current.el;
          if (!m) return;
          if (m.paused) m.play().catch(() => {});
          else m.pause();
        },
      });
      const names = kind === 'audio' ? ['url', 'loop'] : ['url', 'fullHeight', 'maxWidth', 'minWidth', 'ratio'];
      memo(
        () => params(node, ctx, names),
        (p) => {
          clear(box);
          current.el = null;
          const src = safeUrl(toText(p.url), 'media');
          if (!src) {
            box.appendChild(h('div', {
              class: 'tb-media-missing',
              text: p.url ? `${kind === 'audio' ? 'Audio' : 'Video'} unavailable (blocked address)` : `No ${kind}`,
            }));
            return;
          }
          const m = h(kind, { class: `tb-${kind}`, attrs: { controls: true, preload: 'metadata' } });
          if (kind === 'video') {
            m.playsInline = true;
            const ar = aspectRatio(p.ratio);
            if (ar) m.style.aspectRatio = ar;
            if (cssLength(p.maxWidth)) m.style.maxWidth = cssLength(p.maxWidth);
            if (cssLength(p.minWidth)) m.style.minWidth = cssLength(p.minWidth);
            m.classList.toggle('tb-full-height', p.fullHeight === true);
          } else {
            m.loop = p.loop === true;
          }
          const ui = ctx.task.ui;
          const markEnded = () => {
            ui.set(`ended:${key}`, true);
            ui.set('ended:any', true);
          };
          listen(m, 'play', () => {
            ui.set(`played:${key}`, true);
            ui.set('played:any', true);
          });
          listen(m, 'ended', markEnded);
          listen(m, 'timeupdate', () => {
            if (m.duration > 0 && m.duration - m.currentTime < 0.3) markEnded();
          });
          const failed = h('div', { class: 'tb-media-missing', text: `The ${kind} could not be loaded` });
          failed.hidden = true;
          listen(m, 'error', () => {
            failed.hidden = false;
          });
          m.src = src;
          current.el = m;
          box.append(m, failed);
        },
      );
      return box;
    },
  };
}

register('view.audio', mediaView('audio'));
register('view.video', mediaView('video'));

register('view.link', {
  render(node, ctx) {
    const box = h('div', { class: 'tb-link-box' });
    memo(
      () => params(node, ctx, ['url', 'content']),
      (p) => {
        clear(box);
        box.appendChild(linkElement(p.url, p.content, ctx));
      },
    );
    return box;
  },
});

register('view.link-group', {
  render(node, ctx) {
    const box = h('div', { class: 'tb-link-group' });
    memo(
      () => evaluate(node.links, ctx),
      (links) => {
        clear(box);
        for (const l of Array.isArray(links) ? links : []) {
          if (!isPlainObject(l)) continue;
          const el = linkElement(l.url, l.content, ctx, 'tb-link tb-btn');
          if (l.theme === 'primary') el.classList.add('tb-btn-primary');
          box.appendChild(el);
        }
      },
    );
    return box;
  },
});

register('view.list', {
  render(node, ctx) {
    const list = h('div', { class: 'tb-list' });
    memo(
      () => params(node, ctx, ['direction', 'size']),
      (p) => {
        list.classList.toggle('tb-list-horizontal', p.direction === 'horizontal');
        list.classList.toggle('tb-list-s', p.size === 's');
      },
    );
    renderEach(list, node.items, ctx, (item, c) => h('div', { class: 'tb-list-item' }, renderNode(item, c)));
    return list;
  },
});

register('view.group', {
  render(node, ctx) {
    const box = h('div', { class: 'tb-group-body' });
    box.appendChild(renderNode(node.content, ctx));
    return box;
  },
});

register('view.labeled-list', {
  render(node, ctx) {
    const list = h('div', { class: 'tb-labeled-list' });
    const minWidth = untracked(() => evaluate(node.minWidth, ctx));
    narrowClass(list, typeof minWidth === 'number' ? minWidth : 320);
    renderEach(list, node.items, ctx, (raw, c) => {
      const row = h('div', { class: 'tb-ll-row' });
      const item = isRefNode(raw) ? resolveRef(raw, c) : raw;
      if (!isPlainObject(item)) return row;
      const label = h('div', { class: 'tb-ll-label' });
      const labelText = h('span');
      bindText(labelText, item.label, c);
      label.appendChild(labelText);
      if (untracked(() => evaluate(item.centerLabel, c)) === true) label.classList.add('tb-ll-center');
      if (item.hint !== undefined) {
        const hint = h('div', { class: 'tb-hint' });
        bindText(hint, item.hint, c);
        label.appendChild(hint);
      }
      row.append(label, h('div', { class: 'tb-ll-content' }, renderNode(item.content, c)));
      return row;
    });
    return list;
  },
});

register('view.action-button', {
  ownLabel: true,
  render(node, ctx) {
    const btn = h('button', { class: 'tb-btn', attrs: { type: 'button' } });
    bindText(btn, node.label === undefined ? 'Action' : node.label, ctx);
    listen(btn, 'click', () => runAction(node.action, ctx));
    return btn;
  },
});

register('view.alert', {
  render(node, ctx) {
    const box = h('div', { class: 'tb-alert', attrs: { role: 'note' } });
    memo(
      () => ({ theme: evaluate(node.theme, ctx) }),
      (p) => {
        box.className = `tb-alert tb-alert-${['danger', 'info', 'success', 'warning'].includes(p.theme) ? p.theme : 'info'}`;
      },
    );
    box.appendChild(renderNode(node.content, ctx));
    return box;
  },
});

register('view.divider', {
  render() {
    return h('hr', { class: 'tb-divider' });
  },
});

register('view.collapse', {
  ownLabel: true,
  render(node, ctx, w) {
    const details = h('details', { class: 'tb-collapse' });
    const summary = h('summary', { class: 'tb-collapse-title' });
    bindText(summary, node.label === undefined ? 'Details' : node.label, ctx);
    details.open = untracked(() => evaluate(node.defaultOpened, ctx)) === true;
    details.append(summary, h('div', { class: 'tb-collapse-body' }, renderNode(node.content, ctx)));
    w.controller({ openClose: () => { details.open = !details.open; } });
    return details;
  },
});

register('view.iframe', {
  render(node, ctx) {
    const box = h('div', { class: 'tb-iframe-box' });
    memo(
      () => params(node, ctx, ['url', 'fullHeight', 'maxWidth', 'minWidth', 'ratio']),
      (p) => {
        clear(box);
        const src = safeUrl(toText(p.url), 'link');
        if (!src) {
          box.appendChild(h('div', { class: 'tb-media-missing', text: 'Page unavailable (blocked address)' }));
          return;
        }
        // No allow-same-origin: the framed page can never reach this origin's storage or DOM.
        const frame = h('iframe', {
          class: 'tb-iframe',
          attrs: { sandbox: 'allow-scripts allow-forms allow-popups', referrerpolicy: 'no-referrer', loading: 'lazy', title: 'Embedded page' },
        });
        const ar = aspectRatio(p.ratio);
        if (ar) frame.style.aspectRatio = ar;
        if (cssLength(p.maxWidth)) frame.style.maxWidth = cssLength(p.maxWidth);
        if (cssLength(p.minWidth)) frame.style.minWidth = cssLength(p.minWidth);
        frame.classList.toggle('tb-full-height', p.fullHeight === true);
        frame.src = src;
        box.appendChild(frame);
      },
    );
    return box;
  },
});

register('view.device-frame', {
  render(node, ctx) {
    const frame = h('div', { class: 'tb-device-frame' });
    memo(
      () => params(node, ctx, ['fullHeight', 'maxWidth', 'minWidth', 'ratio']),
      (p) => {
        frame.style.aspectRatio = aspectRatio(p.ratio);
        frame.style.maxWidth = cssLength(p.maxWidth);
        frame.style.minWidth = cssLength(p.minWidth);
        frame.classList.toggle('tb-full-height', p.fullHeight === true);
      },
    );
    frame.appendChild(h('div', { class: 'tb-device-screen' }, renderNode(node.content, ctx)));
    return frame;
  },
});
