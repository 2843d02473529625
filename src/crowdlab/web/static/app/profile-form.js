// Reading the shared profile inputs (templates/_profile_fields.html) into the API's profile object.

export function readProfile(form, base = {}) {
  const value = (name) => (form.elements[name] ? form.elements[name].value.trim() : '');
  const profile = { ...base };
  const languages = value('languages')
    .split(/[\s,;]+/)
    .map((x) => x.toUpperCase())
    .filter(Boolean);
  profile.languages = languages;
  for (const key of ['country', 'education', 'gender']) {
    const v = value(key).toUpperCase();
    if (v) profile[key] = v;
    else delete profile[key];
  }
  const year = value('birth_year');
  if (year) profile.birth_year = /^\d+$/.test(year) ? Number(year) : year;
  else delete profile.birth_year;
  profile.adult_allowed = Boolean(form.elements.adult_allowed && form.elements.adult_allowed.checked);
  return profile;
}
