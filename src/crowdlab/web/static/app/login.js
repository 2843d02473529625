// Log-in page.
import { api, ApiError } from './api.js';
import { initLayout } from './layout.js';
import { clearErrors, fieldError, showErrors } from './ui.js';

initLayout();
const form = document.getElementById('login-form');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  const name = form.elements.name.value.trim();
  const password = form.elements.password.value;
  if (!name) return fieldError(form, 'name', 'Enter your name.');
  if (!password) return fieldError(form, 'password', 'Enter your password.');
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await api('POST', '/api/worker/login', { name, password }, { redirectOn401: false });
    location.assign(form.dataset.next || '/worker');
  } catch (err) {
    button.disabled = false;
    const text = err instanceof ApiError && err.status === 401 ? 'Wrong name or password.' : err.message;
    showErrors(form, err instanceof ApiError && err.status === 400 ? err.payload : {}, text);
  }
});
