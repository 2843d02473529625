// Per-task runtime: reactive data stores (output / internal / local), UI state (played media,
// opened links, "validation shown"), data references, mounted validators and view controllers.

import { SignalHub } from './reactive.js';
import { cloneJson, deepEqual, getIn, isPlainObject, parsePath, setIn } from './values.js';
import { fieldSpecErrors } from './outputspec.js';

/** A reactive JSON document; signals are keyed by the first path segment. */
export class DataStore {
  constructor(name, onWrite) {
    this.name = name;
    this.root = {};
    this.hub = new SignalHub();
    this.onWrite = onWrite;
  }

  get(segs) {
    this.hub.read(segs.length ? `k:${segs[0]}` : '*');
    if (segs.length) this.hub.read('*');
    return segs.length ? getIn(this.root, segs) : this.root;
  }

  set(segs, value) {
    const next = segs.length ? setIn(this.root, segs, value) : isPlainObject(value) ? value : {};
    if (deepEqual(next, this.root)) return;
    const changedKeys = segs.length ? [segs[0]] : unionKeys(this.root, next);
    this.root = next;
    for (const k of changedKeys) this.hub.notify(`k:${k}`);
    this.hub.notify('*');
    if (this.onWrite) this.onWrite(this);
  }
}

function unionKeys(a, b) {
  return [...new Set([...Object.keys(a || {}), ...Object.keys(b || {})])];
}

/** Keyed UI state values (booleans mostly) with per-key signals. */
export class UiState {
  constructor() {
    this.values = new Map();
    this.hub = new SignalHub();
  }

  get(key) {
    this.hub.read(key);
    return this.values.get(key);
  }

  set(key, value) {
    if (deepEqual(this.values.get(key), value)) return;
    this.values.set(key, value);
    this.hub.notify(key);
  }
}

/** Writable reference into a task store (data.output / data.internal / data.local / data.relative). */
export class StoreRef {
  constructor(task, store, segs, def) {
    this.task = task;
    this.store = store;
    this.segs = segs;
    this.default = def;
  }

  get kind() {
    return this.store.name;
  }

  get path() {
    return this.segs.join('.');
  }

  get writable() {
    return !(this.task.readOnly && this.store.name === 'output');
  }

  /** Raw stored value (no default). */
  raw() {
    return this.store.get(this.segs);
  }

  get() {
    const v = this.store.get(this.segs);
    return v === undefined ? this.default : v;
  }

  set(value) {
    if (!this.writable) return;
    this.store.set(this.segs, value === undefined ? undefined : cloneJson(value));
  }

  child(segs) {
    return new StoreRef(this.task, this.store, [...this.segs, ...segs], undefined);
  }

  describe() {
    return { kind: 'store', store: this.store.name, path: this.path };
  }
}

/** Read-only reference to a plain value (data.input, helper.transform items). */
export class ValueRef {
  constructor(value, def, path = '') {
    this.value = value;
    this.default = def;
    this.path = path;
    this.kind = 'value';
    this.writable = false;
    this.segs = parsePath(path);
  }

  raw() {
    return this.value;
  }

  get() {
    return this.value === undefined ? this.default : this.value;
  }

  set() {}

  child(segs) {
    return new ValueRef(getIn(this.value, segs), undefined, [this.path, ...segs].filter(Boolean).join('.'));
  }

  describe() {
    return { kind: 'value', value: this.value, path: this.path };
  }
}

export class TaskRuntime {
  constructor(suite, index, task) {
    this.suite = suite;
    this.index = index;
    this.id = task && task.id !== undefined ? task.id : null;
    this.input = isPlainObject(task && task.input_values) ? cloneJson(task.input_values) : {};
    this.readOnly = Boolean(suite.readOnly);
    this.silent = 0; // >0 while host-originated writes happen (no onChange)
    const onWrite = () => this.outputChanged();
    this.stores = {
      output: new DataStore('output', onWrite),
      internal: new DataStore('internal', null),
      local: new DataStore('local', null),
    };
    this.ui = new UiState();
    this.validators = new Set();
    this.views = new Map(); // config node -> Set(controller)
    this.annotations = new Set(); // image-annotation controllers (for their hotkeys plugin)
    this.textAnnotations = new Set();
    this.ownersVersion = 0;
    this.changeQueued = false;
  }

  get outputs() {
    return this.stores.output.root;
  }

  /** Replace all outputs without notifying the host (restore / "view responses"). */
  setOutputs(values) {
    this.silent++;
    try {
      this.stores.output.set([], isPlainObject(values) ? cloneJson(values) : {});
    } finally {
      this.silent--;
    }
  }

  outputChanged() {
    if (this.silent || this.suite.mounting || this.changeQueued) return;
    this.changeQueued = true;
    queueMicrotask(() => {
      this.changeQueued = false;
      if (!this.suite.destroyed) this.suite.emitChange(this);
    });
  }

  refFromDescription(d) {
    if (!d) return null;
    if (d.kind === 'store') return new StoreRef(this, this.stores[d.store], parsePath(d.path), undefined);
    return new ValueRef(d.value, undefined, d.path);
  }

  // ---- validators -------------------------------------------------------------------------------

  addValidator(v) {
    this.validators.add(v);
    this.bumpOwners();
  }

  removeValidator(v) {
    this.validators.delete(v);
    this.bumpOwners();
  }

  bumpOwners() {
    this.ownersVersion++;
    this.ui.set('owners', this.ownersVersion);
  }

  /** The first mounted validator bound to output key `key` shows that key's output-spec errors. */
  ownerOf(key) {
    this.ui.get('owners');
    for (const v of this.validators) if (v.rootKey === key) return v;
    return null;
  }

  specMessages(key) {
    const spec = this.suite.outputSpec && this.suite.outputSpec[key];
    if (!spec) return [];
    const value = this.stores.output.get([key]);
    return fieldSpecErrors(value, spec);
  }

  /** Output-spec errors of keys that no mounted field is bound to. */
  unownedSpecErrors() {
    const errors = [];
    const spec = this.suite.outputSpec || {};
    for (const key of Object.keys(spec)) {
      if (this.ownerOf(key)) continue;
      for (const message of this.specMessages(key)) errors.push({ path: key, message });
    }
    return errors;
  }

  // ---- view controllers (targets of action.open-close / play-pause / rotate) ---------------------

  registerView(node, controller) {
    let set = this.views.get(node);
    if (!set) {
      set = new Set();
      this.views.set(node, set);
    }
    set.add(controller);
    return () => set.delete(controller);
  }

  controllersFor(node) {
    return [...(this.views.get(node) || [])];
  }
}
