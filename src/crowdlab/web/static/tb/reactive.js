// Minimal fine-grained reactivity for the Template Builder renderer.
//
// A Scope owns child scopes and cleanup callbacks; disposing a scope disposes everything created
// inside it (DOM listeners, media recorders, child effects).  An Effect is a scope that re-runs its
// function whenever a signal it read changes.  Signals live in a Store keyed by strings.
// Re-runs are flushed synchronously (parents before children, by creation order) at the end of the
// outermost `batch`, so a store write from an event handler updates the DOM before it returns.

import { deepEqual } from './values.js';

let owner = null; // Scope that new scopes/effects/cleanups attach to
let tracker = null; // Effect collecting dependencies, or null when untracked
let seq = 0;
let batchDepth = 0;
let flushing = false;
const queue = new Set();
const MAX_FLUSH_ROUNDS = 2000;

export class Scope {
  constructor(parent = owner) {
    this.id = ++seq;
    this.children = new Set();
    this.cleanups = [];
    this.disposed = false;
    this.parent = parent;
    if (parent) {
      if (parent.disposed) this.disposed = true;
      else parent.children.add(this);
    }
  }

  onCleanup(fn) {
    if (this.disposed) {
      safeCall(fn);
    } else {
      this.cleanups.push(fn);
    }
  }

  disposeChildren() {
    const kids = [...this.children];
    this.children.clear();
    for (const child of kids) child.dispose();
    const fns = this.cleanups;
    this.cleanups = [];
    for (const fn of fns.reverse()) safeCall(fn);
  }

  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeChildren();
    if (this.parent) this.parent.children.delete(this);
  }
}

export class Effect extends Scope {
  constructor(fn, onError) {
    super(owner);
    this.fn = fn;
    this.onError = onError;
    this.deps = new Set(); // of [store, key]
    this.run();
  }

  track(store, key) {
    const id = store.subscribe(key, this);
    this.deps.add(id);
  }

  clearDeps() {
    for (const unsub of this.deps) unsub();
    this.deps.clear();
  }

  run() {
    if (this.disposed) return;
    this.disposeChildren();
    this.clearDeps();
    const prevOwner = owner;
    const prevTracker = tracker;
    owner = this;
    tracker = this;
    try {
      this.fn();
    } catch (err) {
      if (this.onError) this.onError(err);
      else reportError(err);
    } finally {
      owner = prevOwner;
      tracker = prevTracker;
    }
  }

  dispose() {
    this.clearDeps();
    super.dispose();
    queue.delete(this);
  }
}

/** Run `fn` with dependency tracking; re-run it when any signal it read changes. */
export function effect(fn, onError) {
  return new Effect(fn, onError);
}

/** Register a cleanup on the current owner scope (called when that scope is disposed). */
export function onCleanup(fn) {
  if (owner) owner.onCleanup(fn);
}

export function getOwner() {
  return owner;
}

/** Run `fn` with `scope` as owner and no dependency tracking. */
export function runWithOwner(scope, fn) {
  const prevOwner = owner;
  const prevTracker = tracker;
  owner = scope;
  tracker = null;
  try {
    return fn();
  } finally {
    owner = prevOwner;
    tracker = prevTracker;
  }
}

/** Run `fn` without recording dependencies (reads inside do not subscribe the current effect). */
export function untracked(fn) {
  const prev = tracker;
  tracker = null;
  try {
    return fn();
  } finally {
    tracker = prev;
  }
}

/** Group several writes; dependent effects run once at the end. */
export function batch(fn) {
  batchDepth++;
  try {
    return fn();
  } finally {
    batchDepth--;
    if (batchDepth === 0) flush();
  }
}

function flush() {
  if (flushing) return;
  flushing = true;
  try {
    let rounds = 0;
    while (queue.size) {
      if (++rounds > MAX_FLUSH_ROUNDS) {
        queue.clear();
        reportError(new Error('Template Builder: update loop did not settle (cyclic trigger?)'));
        break;
      }
      let next = null;
      for (const e of queue) if (!next || e.id < next.id) next = e;
      queue.delete(next);
      next.run();
    }
  } finally {
    flushing = false;
  }
}

/**
 * Reactive store of keyed signals.  `read(key)` subscribes the running effect; `notify(key)` queues
 * every subscriber.
 */
export class SignalHub {
  constructor() {
    this.subs = new Map();
  }

  subscribe(key, eff) {
    let set = this.subs.get(key);
    if (!set) {
      set = new Set();
      this.subs.set(key, set);
    }
    set.add(eff);
    return () => {
      set.delete(eff);
      if (!set.size && this.subs.get(key) === set) this.subs.delete(key);
    };
  }

  read(key) {
    if (tracker && !tracker.disposed) tracker.track(this, key);
  }

  notify(key) {
    const set = this.subs.get(key);
    if (!set) return;
    for (const eff of set) queue.add(eff);
    if (batchDepth === 0) flush();
  }
}

/**
 * A memoised DOM region: `compute` runs tracked and returns plain props; `build(props)` runs only
 * when the props change (deep comparison), inside a fresh scope disposed on the next rebuild.
 * This keeps focus and media state intact when unrelated values change.
 */
export function memo(compute, build, onError) {
  const scope = new Scope(owner);
  const UNSET = {};
  let prev = UNSET;
  let inner = null;
  runWithOwner(scope, () =>
    effect(() => {
      const props = compute();
      if (prev !== UNSET && deepEqual(prev, props)) return;
      prev = props;
      untracked(() => {
        if (inner) inner.dispose();
        inner = new Scope(scope);
        runWithOwner(inner, () => build(props));
      });
    }, onError),
  );
  return scope;
}

function safeCall(fn) {
  try {
    fn();
  } catch (err) {
    reportError(err);
  }
}

function reportError(err) {
  // eslint-disable-next-line no-console
  console.error(err);
}
