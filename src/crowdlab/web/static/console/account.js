// The account page: API tokens (create, shown once; revoke) and the ledger history.
import { api, pageData } from './api.js';
import { $, flash, formatDate, h, money, showFieldErrors } from './dom.js';
import { initLayout } from './layout.js';

initLayout();
const data = pageData();

const KINDS = {
  TOPUP: 'Top-up',
  CHARGE: 'Work accepted',
  BONUS: 'Bonus',
  REFUND: 'Refund',
  FEE: 'Fee',
  PAYMENT: 'Payment',
};

function tokenRow(token) {
  const revoke = h('button', { class: 'btn btn-small btn-quiet', text: 'Revoke', attrs: { type: 'button', 'data-token-id': token.id } });
  revoke.addEventListener('click', async () => {
    if (!window.confirm(`Revoke the token “${token.name}”? Scripts using it stop working at once.`)) return;
    revoke.disabled = true;
    try {
      const updated = await api('POST', `/api/console/tokens/${encodeURIComponent(token.id)}/revoke`);
      row.replaceWith(tokenRow(updated));
      flash(`Token “${token.name}” revoked.`, 'success');
    } catch (err) {
      flash(err.message, 'error');
      revoke.disabled = false;
    }
  });
  const row = h(
    'tr',
    { attrs: { 'data-token': token.id } },
    h('td', { text: token.name }),
    h('td', { text: formatDate(token.created) }),
    h('td', {}, token.revoked ? h('span', { class: 'status status-archived', text: `Revoked ${formatDate(token.revoked)}` }) : h('span', { class: 'status status-open', text: 'Active' })),
    h('td', {}, token.revoked ? '' : revoke),
  );
  return row;
}

const tokens = $('#tokens tbody');
for (const token of data.tokens || []) tokens.append(tokenRow(token));

const form = $('#token-form');
form.querySelector('button[type=submit]').disabled = false;
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = $('#token-name').value.trim();
  showFieldErrors(form, {});
  try {
    const created = await api('POST', '/api/console/tokens', { name });
    tokens.prepend(tokenRow(created));
    $('#new-token-value').textContent = created.token;
    $('#new-token').hidden = false;
    $('#token-name').value = '';
  } catch (err) {
    const left = showFieldErrors(form, err.payload || {});
    if (!err.payload || left.length) flash(left.join(' ') || err.message, 'error');
  }
});
$('#copy-token').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText($('#new-token-value').textContent);
    flash('Token copied.', 'success');
  } catch {
    flash('Select the token and copy it by hand.', 'info');
  }
});

const ledger = $('#ledger tbody');
const more = $('#ledger-more');
let last = null;

function addLedger(page) {
  for (const row of page.items) {
    const what = [KINDS[row.kind] || row.kind];
    if (row.note && row.kind !== 'CHARGE') what.push(row.note);
    const cell = h('td', { text: what.join(' — ') });
    if (row.pool_id) cell.append(' ', h('a', { text: `pool ${row.pool_id.replace(/^0+/, '')}`, attrs: { href: `/console/pools/${row.pool_id}` } }));
    ledger.append(
      h('tr', { attrs: { 'data-kind': row.kind } },
        h('td', { text: formatDate(row.created) }),
        cell,
        h('td', { class: `num ${row.amount < 0 ? 'amount-minus' : 'amount-plus'}`, text: money(row.amount) }),
        h('td', { class: 'num', text: money(row.balance_after) }),
      ),
    );
    last = row.id;
  }
  more.hidden = !page.has_more;
  if (!ledger.children.length) ledger.append(h('tr', {}, h('td', { attrs: { colspan: '4' }, class: 'muted', text: 'No money movements yet.' })));
}
addLedger(data.ledger || { items: [], has_more: false });
more.addEventListener('click', async () => {
  more.disabled = true;
  try {
    addLedger(await api('GET', `/api/console/ledger?before=${encodeURIComponent(last)}`));
  } catch (err) {
    flash(err.message, 'error');
  } finally {
    more.disabled = false;
  }
});
