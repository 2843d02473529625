// Messages page: threads with requesters (GET /api/worker/messages), newest first; answer a thread
// the requester allows answers to (POST .../{thread}/reply); opened threads are marked read.
import { api } from './api.js';
import { initLayout } from './layout.js';
import { el, formatDate, parseWireDate, setText } from './ui.js';

initLayout();
const box = document.getElementById('messages');

/** Messages grouped by thread: threads by their newest message, messages oldest first. */
function threads(items) {
  const byThread = new Map();
  for (const m of items) {
    const key = m.thread_id || m.id;
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key).push(m);
  }
  return [...byThread.entries()].map(([id, list]) => ({ id, messages: list.slice().reverse() }));
}

function messageView(m) {
  return el(
    'div',
    { class: 'message-item', attrs: { 'data-message-id': m.id } },
    el(
      'div',
      { class: 'message-head' },
      el('span', { class: 'muted small' }, m.read ? '' : el('strong', { text: 'New · ' }), `${m.mine ? 'You' : m.from || 'Requester'} · ${formatDate(parseWireDate(m.created))}`),
    ),
    el('p', { class: 'message-text', text: m.text || '' }),
  );
}

function replyForm(thread, card) {
  const open = el('button', { class: 'btn btn-small', text: 'Reply', attrs: { type: 'button' } });
  const text = el('textarea', { attrs: { rows: '3', maxlength: '5000', 'aria-label': 'Your reply' } });
  const status = el('p', { class: 'small', attrs: { role: 'status' } });
  status.hidden = true;
  const send = el('button', { class: 'btn btn-primary btn-small', text: 'Send', attrs: { type: 'submit' } });
  const form = el('form', { class: 'form reply-form', attrs: { novalidate: true } }, text, el('div', { class: 'form-actions' }, send));
  form.hidden = true;
  open.addEventListener('click', () => {
    form.hidden = false;
    open.hidden = true;
    text.focus();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!text.value.trim()) {
      setText(status, 'Write your answer first.');
      return text.focus();
    }
    send.disabled = true;
    try {
      const sent = await api('POST', `/api/worker/messages/${encodeURIComponent(thread.id)}/reply`, { text: text.value.trim() });
      card.querySelector('.message-list').append(messageView({ ...sent, mine: true, read: true }));
      text.value = '';
      form.hidden = true;
      open.hidden = false;
      setText(status, 'Sent.');
    } catch (err) {
      setText(status, `Not sent: ${err.message}`);
    } finally {
      send.disabled = false;
    }
  });
  return el('div', { class: 'message-actions' }, open, form, status);
}

function threadView(thread) {
  const first = thread.messages[0];
  const unread = thread.messages.some((m) => !m.read);
  const card = el(
    'article',
    { class: `card message${unread ? ' is-unread' : ''}`, attrs: { 'data-thread-id': thread.id } },
    el('div', { class: 'message-head' }, el('span', { class: 'message-topic', text: first.topic || '(no topic)' })),
    el('div', { class: 'message-list' }, ...thread.messages.map(messageView)),
  );
  if (thread.messages.some((m) => m.answerable)) card.append(replyForm(thread, card));
  return card;
}

async function load() {
  try {
    const result = await api('GET', '/api/worker/messages');
    const items = Array.isArray(result && result.items) ? result.items : [];
    const list = threads(items);
    box.replaceChildren(...(list.length ? list.map(threadView) : [el('div', { class: 'card empty' }, el('p', { text: 'No messages yet.' }))]));
    for (const thread of list) {
      if (thread.messages.some((m) => !m.read) && thread.messages[0].thread_id) {
        api('POST', `/api/worker/messages/${encodeURIComponent(thread.id)}/read`).catch(() => {});
      }
    }
  } catch (err) {
    box.replaceChildren(el('p', { class: 'muted', text: `Messages could not be loaded: ${err.message}` }));
  }
  box.removeAttribute('aria-busy');
}

load();
