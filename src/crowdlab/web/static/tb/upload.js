// field.file, field.media-file and field.audio.  Files never leave the page except through the
// host's `uploadFile(blob) -> Promise<id>` callback; the output value is the returned id (string),
// or an array of ids when `multiple` is true.

import { effect, memo, onCleanup, untracked } from './reactive.js';
import { evaluate } from './evaluate.js';
import { clear, h, listen } from './dom.js';
import { fieldRef, register } from './render.js';
import { toText } from './values.js';

function idsOf(v) {
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string');
  return typeof v === 'string' && v ? [v] : [];
}

function acceptOf(node, ctx) {
  const a = evaluate(node.accept, ctx);
  if (node.type === 'field.audio') return { accept: 'audio/*', capture: false };
  if (node.type === 'field.media-file') {
    const o = a && typeof a === 'object' && !Array.isArray(a) ? a : {};
    const kinds = [];
    if (o.photo || o.gallery) kinds.push('image/*');
    if (o.video || o.gallery) kinds.push('video/*');
    const any = o.fileSystem === true || kinds.length === 0;
    return { accept: any ? '' : kinds.join(','), capture: o.photo === true && !o.gallery && !o.fileSystem };
  }
  return { accept: Array.isArray(a) ? a.map(toText).join(',') : typeof a === 'string' ? a : '', capture: false };
}

function uploadField(node, ctx, w) {
  const ref = fieldRef(node, ctx);
  if (!ref) return h('div', { class: 'tb-render-error', text: `${node.type}: "data" is missing` });
  w.field(ref);
  const suite = ctx.task.suite;
  const box = h('div', { class: 'tb-upload' });
  const status = h('div', { class: 'tb-upload-status', attrs: { 'aria-live': 'polite' } });
  const files = h('ul', { class: 'tb-upload-files' });
  let pending = 0;
  const names = new Map(); // id -> file name shown in this session

  const multiple = () => untracked(() => evaluate(node.multiple, ctx)) === true;

  const addId = (id) => {
    const cur = idsOf(ref.get());
    ref.set(multiple() ? [...cur, id] : id);
  };

  const upload = async (blob, name) => {
    if (typeof suite.uploadFile !== 'function') {
      status.textContent = 'File upload is not available here.';
      return;
    }
    pending++;
    ctx.task.ui.set(`uploading:${ref.path}`, pending);
    status.textContent = `Uploading ${name}…`;
    try {
      const id = await suite.uploadFile(blob);
      if (suite.destroyed) return;
      if (typeof id !== 'string' && typeof id !== 'number') throw new Error('no file id returned');
      names.set(String(id), name);
      addId(String(id));
      status.textContent = `Uploaded ${name}.`;
    } catch (err) {
      status.textContent = `Upload of ${name} failed: ${err && err.message ? err.message : err}`;
    } finally {
      pending--;
      ctx.task.ui.set(`uploading:${ref.path}`, pending);
    }
  };

  w.check(() => (ctx.task.ui.get(`uploading:${ref.path}`) > 0 ? 'Wait until the upload finishes' : null));

  const controls = h('div', { class: 'tb-toolbar' });
  box.append(controls, files, status);
  memo(
    () => ({ ...acceptOf(node, ctx), multiple: evaluate(node.multiple, ctx) === true, writable: ref.writable && evaluate(node.disabled, ctx) !== true }),
    (p) => {
      clear(controls);
      if (!p.writable) return;
      if (node.type === 'field.audio') controls.appendChild(recorder(upload, status));
      const input = h('input', { class: 'tb-file-input', attrs: { type: 'file' } });
      input.accept = p.accept;
      input.multiple = p.multiple;
      if (p.capture) input.setAttribute('capture', 'environment');
      const pick = h('label', { class: 'tb-btn' }, input,
        h('span', { text: node.type === 'field.audio' ? 'Choose an audio file' : p.multiple ? 'Choose files' : 'Choose a file' }));
      if (w.hasLabel()) input.setAttribute('aria-labelledby', w.labelId);
      w.focus(input);
      listen(input, 'change', () => {
        const list = [...(input.files || [])];
        input.value = '';
        for (const f of p.multiple ? list : list.slice(0, 1)) upload(f, f.name || 'file');
      });
      if (typeof suite.uploadFile !== 'function') {
        input.disabled = true;
        status.textContent = 'File upload is not available here.';
      }
      controls.appendChild(pick);
    },
  );

  effect(() => {
    const ids = idsOf(ref.get());
    clear(files);
    ids.forEach((id) => {
      const li = h('li', { class: 'tb-upload-file' }, h('span', { text: names.get(id) || `File ${id}` }));
      if (ref.writable) {
        const rm = h('button', { class: 'tb-btn tb-btn-small tb-btn-quiet', attrs: { type: 'button' }, text: 'Remove' });
        listen(rm, 'click', () => {
          const rest = idsOf(ref.get()).filter((x) => x !== id);
          ref.set(multiple() ? (rest.length ? rest : undefined) : undefined);
        });
        li.appendChild(rm);
      }
      files.appendChild(li);
    });
  });
  return box;
}

/** Record with MediaRecorder when the browser allows it; otherwise explain and rely on file pick. */
function recorder(upload, status) {
  const wrap = h('span', { class: 'tb-recorder' });
  const supported =
    typeof window.MediaRecorder === 'function' && navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === 'function';
  if (!supported) {
    wrap.appendChild(h('span', { class: 'tb-hint', text: 'Recording is not supported in this browser.' }));
    return wrap;
  }
  const btn = h('button', { class: 'tb-btn tb-btn-primary', attrs: { type: 'button', 'aria-pressed': 'false' }, text: '● Record' });
  const preview = h('audio', { class: 'tb-audio', attrs: { controls: true } });
  preview.hidden = true;
  let rec = null;
  let stream = null;
  let previewUrl = null;
  const stopTracks = () => {
    if (stream) for (const t of stream.getTracks()) t.stop();
    stream = null;
  };
  onCleanup(() => {
    if (rec && rec.state !== 'inactive') rec.stop();
    stopTracks();
    if (previewUrl) URL.revokeObjectURL(previewUrl);
  });
  listen(btn, 'click', async () => {
    if (rec && rec.state === 'recording') {
      rec.stop();
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      status.textContent = `Microphone unavailable: ${err && err.message ? err.message : err}`;
      return;
    }
    const chunks = [];
    rec = new MediaRecorder(stream);
    rec.addEventListener('dataavailable', (e) => {
      if (e.data && e.data.size) chunks.push(e.data);
    });
    rec.addEventListener('stop', () => {
      stopTracks();
      btn.textContent = '● Record';
      btn.setAttribute('aria-pressed', 'false');
      const blob = new Blob(chunks, { type: rec.mimeType || 'audio/webm' });
      if (previewUrl) URL.revokeObjectURL(previewUrl);
      previewUrl = URL.createObjectURL(blob);
      preview.src = previewUrl;
      preview.hidden = false;
      upload(blob, 'recording');
    });
    rec.start();
    btn.textContent = '■ Stop recording';
    btn.setAttribute('aria-pressed', 'true');
    status.textContent = 'Recording…';
  });
  wrap.append(btn, preview);
  return wrap;
}

register('field.file', { render: uploadField });
register('field.media-file', { render: uploadField });
register('field.audio', { render: uploadField });
