// The countdown of a suite's time limit. Uses the server's clock (sent with the page) so a wrong
// clock on the worker's device does not matter.
import { parseWireDate } from './ui.js';

export function formatLeft(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return `${h ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/**
 * Show the time left until `expires` in `box` (its `.countdown-value`), warn in the last minute and
 * call onExpire once when time is up. Returns a function that stops the countdown.
 */
export function startCountdown(box, { expires, serverNow, onExpire, announce }) {
  const end = parseWireDate(expires);
  const server = parseWireDate(serverNow);
  if (!end) return () => {};
  const skew = server ? server.getTime() - Date.now() : 0;
  const value = box.querySelector('.countdown-value') || box;
  let warned = false;
  let done = false;
  let timer = null;
  const tick = () => {
    const left = end.getTime() - (Date.now() + skew);
    value.textContent = formatLeft(left);
    box.classList.toggle('is-low', left > 0 && left <= 60000);
    box.classList.toggle('is-over', left <= 0);
    if (!warned && left > 0 && left <= 60000) {
      warned = true;
      if (announce) announce('One minute left for this task suite.');
    }
    if (left <= 0 && !done) {
      done = true;
      clearInterval(timer);
      if (onExpire) onExpire();
    }
  };
  box.hidden = false;
  tick();
  if (!done) timer = setInterval(tick, 250);
  return () => clearInterval(timer);
}
