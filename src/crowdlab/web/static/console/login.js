// The console login form: JSON to /api/console/login, then on to where the requester was going.
import { api } from './api.js';
import { setText, showFieldErrors } from './dom.js';

const form = document.getElementById('login-form');
const general = form.querySelector('.form-error');
// The button works once this script runs (never a plain form post with the password in it).
form.querySelector('button[type=submit]').disabled = false;

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = form.querySelector('#name').value.trim();
  const password = form.querySelector('#password').value;
  const missing = {};
  if (!name) missing.name = { message: 'Enter your requester name' };
  if (!password) missing.password = { message: 'Enter your password' };
  setText(general, '');
  if (Object.keys(missing).length) {
    showFieldErrors(form, missing);
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    await api('POST', '/api/console/login', { name, password }, { redirectOn401: false });
    location.assign(form.dataset.next || '/console');
  } catch (err) {
    showFieldErrors(form, {});
    const left = err.payload ? showFieldErrors(form, err.payload) : [];
    setText(general, left.length ? left.join(' ') : err.payload ? '' : err.message);
    button.disabled = false;
  }
});
