// field.* components with plain DOM controls.  Each field binds `data` (a reference) both ways:
// user input writes the reference, an effect mirrors the reference into the control (hotkeys,
// triggers, setOutputs and restored answers all show up immediately).

import { effect, memo, untracked } from './reactive.js';
import { evaluate } from './evaluate.js';
import { clear, h, listen, uid } from './dom.js';
import { fieldRef, register, renderNode } from './render.js';
import { deepEqual, isPlainObject, toText } from './values.js';

function isDisabled(node, ctx) {
  return ctx.task.readOnly || evaluate(node.disabled, ctx) === true;
}

function options(node, ctx) {
  const raw = evaluate(node.options, ctx);
  return (Array.isArray(raw) ? raw : []).filter(isPlainObject).map((o) => ({
    value: o.value,
    label: o.label === undefined ? toText(o.value) : toText(o.label),
    hint: o.hint === undefined ? '' : toText(o.hint),
  }));
}

function labelled(el, w) {
  if (w.hasLabel()) el.setAttribute('aria-labelledby', w.labelId);
}

function missingData(type) {
  return h('div', { class: 'tb-render-error', text: `${type}: "data" is missing` });
}

register('field.radio-group', {
  render(node, ctx, w) {
    const ref = fieldRef(node, ctx);
    if (!ref) return missingData(node.type);
    w.field(ref);
    const group = h('div', { class: 'tb-options', attrs: { role: 'radiogroup' } });
    labelled(group, w);
    const name = uid('tb-radio');
    memo(
      () => ({ opts: options(node, ctx), disabled: isDisabled(node, ctx) }),
      ({ opts, disabled }) => {
        clear(group);
        const inputs = opts.map((o) => {
          const input = h('input', { class: 'tb-radio', attrs: { type: 'radio', name }, props: { disabled } });
          listen(input, 'change', () => {
            if (input.checked) ref.set(o.value);
          });
          group.appendChild(h('label', { class: 'tb-option' }, input,
            h('span', { class: 'tb-option-text' }, h('span', { text: o.label }), o.hint ? h('span', { class: 'tb-hint', text: o.hint }) : null)));
          return input;
        });
        if (inputs.length) w.focus(inputs[0]);
        effect(() => {
          const v = ref.get();
          opts.forEach((o, i) => { inputs[i].checked = v !== undefined && deepEqual(v, o.value); });
        });
      },
    );
    return group;
  },
});

register('field.button-radio-group', {
  render(node, ctx, w) {
    const ref = fieldRef(node, ctx);
    if (!ref) return missingData(node.type);
    w.field(ref);
    const group = h('div', { class: 'tb-button-group', attrs: { role: 'group' } });
    labelled(group, w);
    memo(
      () => ({ opts: options(node, ctx), disabled: isDisabled(node, ctx) }),
      ({ opts, disabled }) => {
        clear(group);
        const buttons = opts.map((o) => {
          const b = h('button', { class: 'tb-btn tb-toggle', attrs: { type: 'button' }, props: { disabled }, text: o.label });
          if (o.hint) b.title = o.hint;
          listen(b, 'click', () => ref.set(o.value));
          group.appendChild(b);
          return b;
        });
        if (buttons.length) w.focus(buttons[0]);
        effect(() => {
          const v = ref.get();
          opts.forEach((o, i) => buttons[i].setAttribute('aria-pressed', String(v !== undefined && deepEqual(v, o.value))));
        });
      },
    );
    return group;
  },
});

register('field.button-radio', {
  ownLabel: true,
  render(node, ctx, w) {
    const ref = fieldRef(node, ctx);
    if (!ref) return missingData(node.type);
    w.field(ref);
    const box = h('div', { class: 'tb-button-radio' });
    memo(
      () => ({ value: evaluate(node.valueToSet, ctx), label: evaluate(node.label, ctx), disabled: isDisabled(node, ctx) }),
      (p) => {
        clear(box);
        const b = h('button', {
          class: 'tb-btn tb-toggle',
          attrs: { type: 'button' },
          props: { disabled: p.disabled },
          text: p.label === undefined ? toText(p.value) : toText(p.label),
        });
        listen(b, 'click', () => ref.set(p.value));
        box.appendChild(b);
        w.focus(b);
        effect(() => b.setAttribute('aria-pressed', String(deepEqual(ref.get(), p.value))));
      },
    );
    return box;
  },
});

register('field.checkbox', {
  ownLabel: true,
  render(node, ctx, w) {
    const ref = fieldRef(node, ctx);
    if (!ref) return missingData(node.type);
    w.field(ref);
    const input = h('input', { class: 'tb-checkbox', attrs: { type: 'checkbox' } });
    const text = h('span', { class: 'tb-option-text' });
    const label = h('label', { class: 'tb-option' }, input, text);
    memo(
      () => ({ label: toText(evaluate(node.label, ctx)), disabled: isDisabled(node, ctx) }),
      (p) => {
        text.textContent = p.label;
        input.disabled = p.disabled;
      },
    );
    w.focus(input);
    listen(input, 'change', () => {
      const preserveFalse = untracked(() => evaluate(node.preserveFalse, ctx)) === true;
      ref.set(input.checked ? true : preserveFalse ? false : undefined);
    });
    effect(() => { input.checked = ref.get() === true; });
    return label;
  },
});

register('field.checkbox-group', {
  render(node, ctx, w) {
    const ref = fieldRef(node, ctx);
    if (!ref) return missingData(node.type);
    w.field(ref);
    const group = h('div', { class: 'tb-options', attrs: { role: 'group' } });
    labelled(group, w);
    memo(
      () => ({ opts: options(node, ctx), disabled: isDisabled(node, ctx), preserveFalse: evaluate(node.preserveFalse, ctx) === true }),
      ({ opts, disabled, preserveFalse }) => {
        clear(group);
        const inputs = opts.map((o) => {
          const input = h('input', { class: 'tb-checkbox', attrs: { type: 'checkbox' }, props: { disabled } });
          listen(input, 'change', () => {
            const cur = ref.get();
            const next = isPlainObject(cur) ? { ...cur } : {};
            const key = toText(o.value);
            if (input.checked) next[key] = true;
            else if (preserveFalse) next[key] = false;
            else delete next[key];
            ref.set(Object.keys(next).length ? next : undefined);
          });
          group.appendChild(h('label', { class: 'tb-option' }, input,
            h('span', { class: 'tb-option-text' }, h('span', { text: o.label }), o.hint ? h('span', { class: 'tb-hint', text: o.hint }) : null)));
          return input;
        });
        if (inputs.length) w.focus(inputs[0]);
        effect(() => {
          const v = ref.get();
          opts.forEach((o, i) => { inputs[i].checked = isPlainObject(v) && v[toText(o.value)] === true; });
        });
      },
    );
    return group;
  },
});

/**
 * Text-like inputs.  `parse(str)` -> value (undefined clears), `format(value)` -> str,
 * `check(value, p)` -> message | null for built-in validation.
 */
function textLike({ tag = 'input', type = 'text', extra = [], parse, format, check, setup }) {
  return {
    render(node, ctx, w) {
      const ref = fieldRef(node, ctx);
      if (!ref) return missingData(node.type);
      w.field(ref);
      const el = h(tag, { class: `tb-input tb-input-${type}` });
      if (tag === 'input') el.type = type;
      if (w.hasLabel()) el.setAttribute('aria-labelledby', w.labelId);
      w.focus(el);
      let props = {};
      memo(
        () => ({ ...Object.fromEntries(['placeholder', ...extra].map((k) => [k, evaluate(node[k], ctx)])), disabled: isDisabled(node, ctx) }),
        (p) => {
          props = p;
          el.disabled = p.disabled;
          el.placeholder = p.placeholder === undefined ? '' : toText(p.placeholder);
          if (setup) setup(el, p);
        },
      );
      listen(el, 'input', () => ref.set(parse ? parse(el.value, el) : el.value === '' ? undefined : el.value));
      effect(() => {
        const v = ref.get();
        const text = format ? format(v) : v === undefined || v === null ? '' : toText(v);
        if (el.value !== text && !(parse && deepEqual(parse(el.value, el), v))) el.value = text;
      });
      if (check) w.check(() => check(ref.get(), props, el));
      return el;
    },
  };
}

register('field.text', textLike({}));
register('field.textarea', textLike({
  tag: 'textarea',
  type: 'textarea',
  extra: ['rows', 'resizable'],
  setup(el, p) {
    el.rows = typeof p.rows === 'number' && p.rows > 0 ? Math.min(p.rows, 50) : 3;
    el.classList.toggle('tb-noresize', p.resizable === false);
  },
}));

register('field.number', textLike({
  type: 'number',
  extra: ['minimum', 'maximum'],
  parse: (s) => {
    if (s.trim() === '') return undefined;
    const n = Number(s);
    return Number.isFinite(n) ? n : undefined;
  },
  format: (v) => (typeof v === 'number' ? String(v) : ''),
  setup(el, p) {
    el.step = 'any';
    el.inputMode = 'decimal';
    el.min = typeof p.minimum === 'number' ? String(p.minimum) : '';
    el.max = typeof p.maximum === 'number' ? String(p.maximum) : '';
  },
  check(v, p, el) {
    if (el.validity && el.validity.badInput) return 'Enter a number';
    if (typeof v !== 'number') return null;
    if (typeof p.minimum === 'number' && v < p.minimum) return `Must be at least ${p.minimum}`;
    if (typeof p.maximum === 'number' && v > p.maximum) return `Must be at most ${p.maximum}`;
    return null;
  },
}));

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
register('field.email', textLike({
  type: 'email',
  setup(el) { el.autocomplete = 'email'; },
  check: (v) => (typeof v === 'string' && v && !EMAIL.test(v) ? 'Enter a valid email address' : null),
}));

register('field.phone-number', textLike({
  type: 'tel',
  setup(el) { el.autocomplete = 'tel'; },
  check: (v) => (typeof v === 'string' && v && !/^\+?[\d\s().-]{5,20}$/.test(v) ? 'Enter a valid phone number' : null),
}));

// field.date: format "date" -> "YYYY-MM-DD"; "date-time" -> "YYYY-MM-DD HH:mm".
function toInputDate(v, dateTime) {
  if (typeof v !== 'string') return '';
  return dateTime ? v.replace(' ', 'T').slice(0, 16) : v.slice(0, 10);
}

register('field.date', {
  render(node, ctx, w) {
    const ref = fieldRef(node, ctx);
    if (!ref) return missingData(node.type);
    w.field(ref);
    const box = h('div', { class: 'tb-date' });
    let props = {};
    memo(
      () => ({ ...Object.fromEntries(['format', 'min', 'max', 'blockList', 'placeholder'].map((k) => [k, evaluate(node[k], ctx)])), disabled: isDisabled(node, ctx) }),
      (p) => {
        props = p;
        clear(box);
        const dateTime = p.format === 'date-time';
        const input = h('input', { class: 'tb-input', attrs: { type: dateTime ? 'datetime-local' : 'date' }, props: { disabled: p.disabled } });
        if (w.hasLabel()) input.setAttribute('aria-labelledby', w.labelId);
        if (typeof p.min === 'string') input.min = toInputDate(p.min, dateTime);
        if (typeof p.max === 'string') input.max = toInputDate(p.max, dateTime);
        w.focus(input);
        listen(input, 'input', () => {
          const s = input.value;
          ref.set(s ? (dateTime ? s.replace('T', ' ') : s) : undefined);
        });
        effect(() => {
          const text = toInputDate(ref.get(), dateTime);
          if (input.value !== text) input.value = text;
        });
        box.appendChild(input);
      },
    );
    w.check(() => {
      const v = ref.get();
      if (typeof v !== 'string' || !v) return null;
      const day = v.slice(0, 10);
      if (Array.isArray(props.blockList) && props.blockList.some((b) => toText(b).slice(0, 10) === day)) {
        return 'This date cannot be chosen';
      }
      if (typeof props.min === 'string' && v < props.min) return `Must be on or after ${props.min}`;
      if (typeof props.max === 'string' && v > props.max) return `Must be on or before ${props.max}`;
      return null;
    });
    return box;
  },
});

register('field.select', {
  render(node, ctx, w) {
    const ref = fieldRef(node, ctx);
    if (!ref) return missingData(node.type);
    w.field(ref);
    const select = h('select', { class: 'tb-input tb-select' });
    if (w.hasLabel()) select.setAttribute('aria-labelledby', w.labelId);
    w.focus(select);
    memo(
      () => ({ opts: options(node, ctx), placeholder: evaluate(node.placeholder, ctx), disabled: isDisabled(node, ctx) }),
      ({ opts, placeholder, disabled }) => {
        clear(select);
        select.disabled = disabled;
        select.appendChild(h('option', { attrs: { value: '' }, text: placeholder === undefined ? '—' : toText(placeholder) }));
        opts.forEach((o, i) => select.appendChild(h('option', { attrs: { value: String(i) }, text: o.label })));
        const onChange = () => ref.set(select.value === '' ? undefined : opts[Number(select.value)].value);
        listen(select, 'change', onChange);
        effect(() => {
          const v = ref.get();
          const i = opts.findIndex((o) => v !== undefined && deepEqual(o.value, v));
          select.value = i < 0 ? '' : String(i);
        });
      },
    );
    return select;
  },
});

register('field.list', {
  render(node, ctx, w) {
    const ref = fieldRef(node, ctx);
    if (!ref) return missingData(node.type);
    w.field(ref);
    const box = h('div', { class: 'tb-field-list' });
    let focusLast = false;
    memo(
      () => {
        const v = ref.get();
        return {
          length: Array.isArray(v) ? v.length : 0,
          editable: evaluate(node.editable, ctx) !== false && ref.writable,
          max: evaluate(node.max_length, ctx),
          buttonLabel: evaluate(node.button_label, ctx),
          direction: evaluate(node.direction, ctx),
          size: evaluate(node.size, ctx),
        };
      },
      (p) => {
        clear(box);
        box.classList.toggle('tb-list-horizontal', p.direction === 'horizontal');
        box.classList.toggle('tb-list-s', p.size === 's');
        const items = h('div', { class: 'tb-field-list-items' });
        for (let i = 0; i < p.length; i++) {
          const rel = ref.describe();
          const itemCtx = { ...ctx, rel: { ...rel, path: [rel.path, String(i)].filter(Boolean).join('.') } };
          const row = h('div', { class: 'tb-field-list-item' }, h('div', { class: 'tb-field-list-body' }, renderNode(node.render, itemCtx)));
          if (p.editable) {
            const remove = h('button', { class: 'tb-btn tb-btn-small tb-btn-quiet', attrs: { type: 'button', 'aria-label': `Remove item ${i + 1}` }, text: 'Remove' });
            listen(remove, 'click', () => {
              const cur = ref.get();
              const next = Array.isArray(cur) ? cur.filter((_, j) => j !== i) : [];
              ref.set(next.length ? next : undefined);
            });
            row.appendChild(remove);
          }
          items.appendChild(row);
        }
        box.appendChild(items);
        if (focusLast && items.lastElementChild) {
          focusLast = false;
          const first = items.lastElementChild.querySelector('input, select, textarea, button');
          if (first) first.focus();
        }
        const max = typeof p.max === 'number' ? p.max : Infinity;
        if (p.editable && p.length < max) {
          const add = h('button', { class: 'tb-btn', attrs: { type: 'button' }, text: p.buttonLabel === undefined ? 'Add' : toText(p.buttonLabel) });
          listen(add, 'click', () => {
            const cur = ref.get();
            focusLast = true;
            ref.set([...(Array.isArray(cur) ? cur : []), null]);
          });
          box.appendChild(add);
          w.focus(add);
        }
      },
    );
    return box;
  },
});
