// Taking a task suite from a pool: POST /api/worker/pools/{id}/assignments, with the captcha when
// the pool asks for one, then open the task page.
import { api, ApiError } from './api.js';
import { solveCaptcha } from './captcha.js';

const MESSAGES = {
  POOL_ASSIGNMENTS_EXHAUSTED: 'No tasks are left for you in this pool right now. Try another one.',
  NOT_ENOUGH_BALANCE: 'This pool has just run out of budget. Try another one.',
};

/**
 * Take a suite and go to it. Resolves with an error text to show when it did not work
 * (the page stays), or never resolves because the browser navigates away.
 */
export async function takeSuite(poolId) {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const assignment = await api('POST', `/api/worker/pools/${encodeURIComponent(poolId)}/assignments`);
      location.assign(`/worker/task/${encodeURIComponent(assignment.id)}`);
      return new Promise(() => {});
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CAPTCHA_REQUIRED') {
        const solved = await solveCaptcha(poolId);
        if (!solved) return 'Solve the captcha to get the next task suite.';
        continue;
      }
      if (err instanceof ApiError && MESSAGES[err.code]) return MESSAGES[err.code];
      return err.message;
    }
  }
  return 'Please try again.';
}
