// Marketplace: start / continue a pool, search the list.
import { initLayout } from './layout.js';
import { takeSuite } from './take.js';
import { setText } from './ui.js';

initLayout();

for (const button of document.querySelectorAll('button.take')) {
  button.addEventListener('click', async () => {
    const card = button.closest('.pool-card');
    const error = card.querySelector('.take-error');
    setText(error, '');
    button.disabled = true;
    const label = button.textContent;
    button.textContent = 'Opening…';
    const problem = await takeSuite(button.dataset.poolId);
    button.disabled = false;
    button.textContent = label;
    setText(error, problem);
  });
}

const search = document.getElementById('pool-search');
const showUnavailable = document.getElementById('show-unavailable');
const noMatch = document.getElementById('no-match');

function applyFilter() {
  const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const card of document.querySelectorAll('.pool-card')) {
    const text = card.dataset.search || '';
    const visible =
      words.every((w) => text.includes(w)) && (showUnavailable.checked || !card.classList.contains('is-unavailable'));
    card.hidden = !visible;
    if (visible) shown++;
  }
  noMatch.hidden = shown > 0;
}

if (search) {
  search.addEventListener('input', applyFilter);
  showUnavailable.addEventListener('change', applyFilter);
}
