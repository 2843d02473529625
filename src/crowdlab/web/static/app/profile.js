// Profile page: edit the profile (PUT /api/worker/me/profile) and see skills (GET /api/worker/skills).
import { api } from './api.js';
import { initLayout } from './layout.js';
import { readProfile } from './profile-form.js';
import { clearErrors, el, fieldError, showErrors } from './ui.js';

initLayout();
const data = JSON.parse(document.getElementById('page-data').textContent);
let saved = data.profile || {};
const form = document.getElementById('profile-form');
const savedNote = form.querySelector('.form-saved');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  savedNote.textContent = '';
  const profile = readProfile(form, saved);
  if (profile.birth_year !== undefined && !Number.isInteger(profile.birth_year)) {
    return fieldError(form, 'profile.birth_year', 'Enter a year such as 1990.');
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const result = await api('PUT', '/api/worker/me/profile', profile);
    saved = result.profile || profile;
    savedNote.textContent = 'Saved.';
  } catch (err) {
    showErrors(form, err.payload || {}, err.message);
  } finally {
    button.disabled = false;
  }
});

async function loadSkills() {
  const box = document.getElementById('skills');
  try {
    const result = await api('GET', '/api/worker/skills');
    const items = Array.isArray(result && result.items) ? result.items : [];
    box.replaceChildren(
      items.length
        ? el('ul', { class: 'skills-list' }, ...items.map((s) => el('li', {}, el('span', { text: s.skill }), el('strong', { text: String(s.value) }))))
        : el('p', { class: 'muted', text: 'No skills yet. They appear as requesters rate your work.' }),
    );
  } catch (err) {
    box.replaceChildren(el('p', { class: 'muted', text: `Skills could not be loaded: ${err.message}` }));
  }
  box.removeAttribute('aria-busy');
}

loadSkills();
