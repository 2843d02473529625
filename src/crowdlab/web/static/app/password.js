// The password rules of the server (services/passwords.password_problem), checked while typing.

export const RULES = [
  { id: 'length', test: (p) => p.length >= 8 && p.length <= 200 },
  { id: 'mix', test: (p) => p.length > 0 && !/^\d+$/.test(p) && !/^\p{L}+$/u.test(p) },
];

/** Why the password is too weak, or '' when it is fine. */
export function passwordProblem(p) {
  if (p.length < 8) return 'Password must be at least 8 characters long';
  if (p.length > 200) return 'Password must be at most 200 characters long';
  if (/^\d+$/.test(p) || /^\p{L}+$/u.test(p)) return 'Password must mix letters with digits or symbols';
  return '';
}

/** Tick the rules in `list` (li[data-rule]) as the password in `input` meets them. */
export function watchRules(input, list) {
  const update = () => {
    for (const rule of RULES) {
      const li = list.querySelector(`[data-rule="${rule.id}"]`);
      if (li) li.classList.toggle('is-met', rule.test(input.value));
    }
  };
  input.addEventListener('input', update);
  update();
}
