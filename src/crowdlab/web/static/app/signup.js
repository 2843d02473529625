// Sign-up page: account + profile in one form; problems are shown next to their fields.
import { api, ApiError } from './api.js';
import { initLayout } from './layout.js';
import { passwordProblem, watchRules } from './password.js';
import { readProfile } from './profile-form.js';
import { clearErrors, fieldError, showErrors } from './ui.js';

initLayout();
const form = document.getElementById('signup-form');
const password = form.elements.password;
watchRules(password, document.getElementById('password-rules'));

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  const name = form.elements.name.value.trim();
  if (!name) return fieldError(form, 'name', 'Choose a name to log in with.');
  const problem = passwordProblem(password.value);
  if (problem) return fieldError(form, 'password', problem);
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await api('POST', '/api/worker/signup', { name, password: password.value, profile: readProfile(form) }, { redirectOn401: false });
    location.assign(form.dataset.next || '/worker');
  } catch (err) {
    button.disabled = false;
    if (err instanceof ApiError && err.code === 'USER_ALREADY_REGISTERED') {
      fieldError(form, 'name', 'This name is taken. Try another one, or log in.');
    } else if (err instanceof ApiError && err.payload) {
      showErrors(form, err.payload, err.message);
    } else {
      showErrors(form, {}, err.message);
    }
  }
});
