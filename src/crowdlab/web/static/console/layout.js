// What every console page does: the log-out button, a pending flash message, local times.
import { api } from './api.js';
import { localizeTimes, money, showPendingFlash } from './dom.js';

/** Show the current free balance in the top bar (pages where money moves call this). */
export async function refreshBalance() {
  const chip = document.getElementById('nav-balance');
  if (!chip) return;
  try {
    const session = await api('GET', '/api/console/session');
    chip.textContent = money(session.requester.balance);
  } catch {
    /* keep the old figure */
  }
}

export function initLayout() {
  const logout = document.getElementById('logout');
  if (logout) {
    logout.addEventListener('click', async () => {
      logout.disabled = true;
      try {
        await api('POST', '/api/console/logout', undefined, { redirectOn401: false });
      } catch {
        /* the session is gone either way */
      }
      location.assign('/console/login');
    });
  }
  showPendingFlash();
  localizeTimes();
}

// Pages without a module of their own (not found, project list, presets) load this file directly.
if (['layout', 'projects', 'presets'].includes(document.body && document.body.dataset.page)) initLayout();
