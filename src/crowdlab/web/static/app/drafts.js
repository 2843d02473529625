// Autosave of answers in progress: kept in this browser's localStorage, keyed by assignment id,
// so a reload, a crash or a closed tab loses nothing. Dropped after submit/skip and on log-out.

const PREFIX = 'crowdlab.draft.';
const MAX_AGE_MS = 8 * 24 * 3600 * 1000; // longer than any suite may last

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The saved draft {outputs: [..], active, saved} of an assignment, or null. */
export function loadDraft(assignmentId) {
  const s = storage();
  if (!s) return null;
  try {
    const draft = JSON.parse(s.getItem(PREFIX + assignmentId) || 'null');
    return draft && Array.isArray(draft.outputs) ? draft : null;
  } catch {
    return null;
  }
}

/** Save answers; returns false when the browser refused (private mode, full storage). */
export function saveDraft(assignmentId, outputs, active) {
  const s = storage();
  if (!s) return false;
  try {
    s.setItem(PREFIX + assignmentId, JSON.stringify({ outputs, active, saved: Date.now() }));
    return true;
  } catch {
    return false;
  }
}

export function dropDraft(assignmentId) {
  const s = storage();
  if (s) s.removeItem(PREFIX + assignmentId);
}

function draftKeys(s) {
  const keys = [];
  for (let i = 0; i < s.length; i++) {
    const key = s.key(i);
    if (key && key.startsWith(PREFIX)) keys.push(key);
  }
  return keys;
}

/** Forget drafts older than any suite can live. */
export function pruneDrafts(now = Date.now()) {
  const s = storage();
  if (!s) return;
  for (const key of draftKeys(s)) {
    try {
      const draft = JSON.parse(s.getItem(key) || 'null');
      if (!draft || typeof draft.saved !== 'number' || now - draft.saved > MAX_AGE_MS) s.removeItem(key);
    } catch {
      s.removeItem(key);
    }
  }
}

export function dropAllDrafts() {
  const s = storage();
  if (!s) return;
  for (const key of draftKeys(s)) s.removeItem(key);
}
