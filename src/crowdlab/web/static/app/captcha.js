// The captcha some pools ask for between task suites, in a modal dialog:
// GET /api/worker/captcha -> {id, image}; POST /api/worker/captcha/{id} {answer} -> {ok}.
import { api } from './api.js';
import { el, setText } from './ui.js';

const SAFE_IMAGE = /^data:image\/(svg\+xml|png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/;

/** Ask the worker to solve captchas (for `poolId`) until one is right (true) or they cancel (false). */
export function solveCaptcha(poolId) {
  return new Promise((resolve) => {
    const image = el('img', { class: 'captcha-image', attrs: { alt: 'Captcha: type the characters you see' } });
    const input = el('input', {
      attrs: { id: 'captcha-answer', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', required: true },
    });
    const error = el('p', { class: 'field-error', attrs: { role: 'alert' } });
    error.hidden = true;
    const check = el('button', { class: 'btn btn-primary', text: 'Continue', attrs: { type: 'submit' } });
    const cancel = el('button', { class: 'btn btn-quiet', text: 'Cancel', attrs: { type: 'button' } });
    const another = el('button', { class: 'btn btn-quiet btn-small', text: 'Show another', attrs: { type: 'button' } });
    const form = el(
      'form',
      { class: 'dialog-body', attrs: { method: 'dialog', novalidate: true } },
      el('h2', { text: 'Quick check', attrs: { id: 'captcha-title' } }),
      el('p', { class: 'muted', text: 'This pool asks you to prove you are a person before the next task suite.' }),
      image,
      another,
      el('label', { text: 'Characters in the picture', attrs: { for: 'captcha-answer' } }),
      input,
      error,
      el('div', { class: 'form-actions' }, check, cancel),
    );
    const dialog = el('dialog', { class: 'dialog', attrs: { 'aria-labelledby': 'captcha-title', 'data-captcha': '' } }, form);
    document.body.append(dialog);
    let captchaId = null;
    let finished = false;

    const finish = (ok) => {
      if (finished) return;
      finished = true;
      dialog.close();
      dialog.remove();
      resolve(ok);
    };
    const load = async (message) => {
      check.disabled = true;
      try {
        const query = poolId ? `?pool_id=${encodeURIComponent(poolId)}` : '';
        const c = await api('GET', `/api/worker/captcha${query}`);
        captchaId = c && c.id;
        image.src = c && typeof c.image === 'string' && SAFE_IMAGE.test(c.image) ? c.image : '';
        input.value = '';
        setText(error, message || '');
        check.disabled = false;
        input.focus();
      } catch (err) {
        setText(error, `The captcha could not be loaded: ${err.message}`);
      }
    };
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const answer = input.value.trim();
      if (!answer) {
        setText(error, 'Type the characters you see.');
        input.focus();
        return;
      }
      check.disabled = true;
      try {
        const result = await api('POST', `/api/worker/captcha/${encodeURIComponent(captchaId)}`, { answer });
        if (result && result.ok) finish(true);
        else await load('That was not right. Here is a new one.');
      } catch (err) {
        check.disabled = false;
        setText(error, err.message);
      }
    });
    another.addEventListener('click', () => load(''));
    cancel.addEventListener('click', () => finish(false));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    dialog.showModal();
    load('');
  });
}
