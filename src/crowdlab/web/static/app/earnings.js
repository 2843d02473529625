// Earnings page: appeal a rejected assignment (POST /api/worker/assignments/{id}/appeal).
import { api } from './api.js';
import { initLayout } from './layout.js';
import { setText } from './ui.js';

initLayout();

for (const box of document.querySelectorAll('.appeal')) {
  const open = box.querySelector('.appeal-open');
  const form = box.querySelector('.appeal-form');
  const status = box.querySelector('.appeal-status');
  const text = form.elements.message;
  const show = (visible) => {
    form.hidden = !visible;
    open.hidden = visible;
    open.setAttribute('aria-expanded', String(visible));
    (visible ? text : open).focus();
  };
  open.addEventListener('click', () => show(true));
  box.querySelector('.appeal-cancel').addEventListener('click', () => show(false));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.className = 'appeal-status small';
    const message = text.value.trim();
    if (!message) {
      status.classList.add('is-error');
      setText(status, 'Tell the requester why your answers are right.');
      text.focus();
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      await api('POST', `/api/worker/assignments/${encodeURIComponent(box.dataset.assignmentId)}/appeal`, { message });
      form.hidden = true;
      status.classList.add('is-ok');
      setText(status, 'Appeal sent. The requester will look at your answers again.');
    } catch (err) {
      button.disabled = false;
      status.classList.add('is-error');
      setText(status, `The appeal was not sent: ${err.message}`);
    }
  });
}
