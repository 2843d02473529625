// Keyboard on the task page, on top of the renderer's own keys (config hotkeys, task navigation):
// Ctrl/Cmd+Enter submits, digits 1-9 pick an option of the current task's single choice field
// (unless the project binds those keys itself), "?" shows the key help.

function isTyping(target) {
  if (!target || !target.tagName) return false;
  if (target.isContentEditable) return true;
  if (target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  if (target.tagName !== 'INPUT') return false;
  return !['radio', 'checkbox', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(target.type);
}

/** The choices of the only single-choice field in a task element, or null when there is not one. */
export function choicesIn(taskEl) {
  if (!taskEl) return null;
  const groups = [...taskEl.querySelectorAll('[role="radiogroup"], .tb-button-group')];
  if (groups.length !== 1) return null;
  const group = groups[0];
  const choices = group.matches('[role="radiogroup"]')
    ? [...group.querySelectorAll('input[type="radio"]')]
    : [...group.querySelectorAll('button')];
  return choices.filter((c) => !c.disabled);
}

/** Hotkeys a Template Builder config binds (plugin.hotkeys), for the help panel. */
export function configHotkeys(config) {
  const keys = new Set();
  for (const plugin of (config && Array.isArray(config.plugins) ? config.plugins : [])) {
    if (!plugin || plugin.type !== 'plugin.hotkeys') continue;
    for (const key of Object.keys(plugin)) if (key !== 'type') keys.add(key);
  }
  return [...keys];
}

/**
 * Install the page keys. `suite` is the mounted renderer suite (or a getter for it), `actions` has
 * submit() and toggleHelp(). Returns a function that removes the listener.
 */
export function installTaskKeys(getSuite, actions) {
  const onKey = (e) => {
    if (e.defaultPrevented || e.isComposing) return;
    if (e.target && e.target.closest && e.target.closest('dialog')) return;
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey) {
      e.preventDefault();
      actions.submit();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
    if (e.key === '?') {
      e.preventDefault();
      actions.toggleHelp();
      return;
    }
    const suite = getSuite();
    if (!suite || e.shiftKey || !/^[1-9]$/.test(e.key)) return;
    const taskEl = suite.element.querySelector(`.tb-task[data-task-index="${suite.activeTask}"]`);
    const choices = choicesIn(taskEl);
    const choice = choices && choices[Number(e.key) - 1];
    if (!choice) return;
    e.preventDefault();
    const hadFocus = choice.parentElement && choice.closest('[role="radiogroup"], .tb-button-group').contains(document.activeElement);
    choice.click();
    // Like arrow keys in a radio group: focus follows the choice, so Tab leaves the group next.
    if (hadFocus) choice.focus();
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
