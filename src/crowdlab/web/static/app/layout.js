// What every page of the worker app does: log out button, pending flash message, local times.
import { api } from './api.js';
import { localizeTimes, showPendingFlash } from './ui.js';
import { dropAllDrafts } from './drafts.js';

export function initLayout() {
  const logout = document.getElementById('logout');
  if (logout) {
    logout.addEventListener('click', async () => {
      logout.disabled = true;
      try {
        await api('POST', '/api/worker/logout', undefined, { redirectOn401: false });
      } catch {
        /* the session is gone either way */
      }
      dropAllDrafts(); // a shared computer keeps no answers of the previous worker
      location.assign('/worker/login');
    });
  }
  showPendingFlash();
  localizeTimes();
}

// Pages without a module of their own (the not-found page) load this file directly.
if (document.body && document.body.dataset.page === 'layout') initLayout();
