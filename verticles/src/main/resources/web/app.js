// Parley web client: talks only to this node's gateway (/v1 REST + /v1/events WebSocket).
// The token comes from the URL fragment (#token=...), is kept in sessionStorage and removed
// from the address bar; the page holds no other secret.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const state = {
    token: null, me: null, conversations: new Map(), contacts: new Map(),
    messages: new Map(), // conversationId -> Map(messageId -> message)
    open: null, cursor: null, ws: null, retry: 0, selected: null, file: null,
  };

  // ---- token ----
  function takeToken() {
    const m = /(?:^|[#&])token=([A-Za-z0-9_-]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem('parley.token', m[1]);
      history.replaceState(null, '', location.pathname + location.search);
    }
    return sessionStorage.getItem('parley.token');
  }

  async function api(method, path, body) {
    const res = await fetch(path, {
      method, headers: Object.assign({ 'Authorization': 'Bearer ' + state.token },
        body === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401) { showLogin(); throw new Error('unauthorized'); }
    if (!res.ok) {
      let detail = res.statusText;
      try { const p = await res.json(); detail = p.detail || p.title || detail; } catch (e) { /* not json */ }
      const err = new Error(detail); err.status = res.status; throw err;
    }
    if (res.status === 204) return null;
    const type = res.headers.get('content-type') || '';
    return type.includes('json') ? res.json() : res.blob();
  }

  // ---- rendering helpers ----
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const initials = (s) => (s || '?').trim().split(/\s+/).map((w) => w[0]).slice(0, 2).join('');
  const hue = (s) => { let h = 0; for (const c of s || '') h = (h * 31 + c.charCodeAt(0)) % 360; return h; };
  function avatar(name) {
    const a = el('span', 'avatar', initials(name));
    a.style.background = 'hsl(' + hue(name) + ',35%,42%)';
    return a;
  }
  const members = (c) => c.members.length + (c.members.length === 1 ? ' member' : ' members');
  const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  function day(ms) {
    const d = new Date(ms), t = new Date();
    if (d.toDateString() === t.toDateString()) return 'Today';
    return d.toLocaleDateString([], { day: 'numeric', month: 'short', year: d.getFullYear() === t.getFullYear() ? undefined : 'numeric' });
  }
  const TICKS = {
    pending: ['\u25F7', 'pending', 'waiting to be sent'],
    sent: ['\u2713', 'sent', 'stored at the recipient\u2019s inbox relay'],
    delivered: ['\u2713\u2713', 'delivered', 'delivered to the recipient'],
    read: ['\u2713\u2713', 'read', 'read'],
    failed: ['!', 'failed', 'not delivered'],
  };
  function tick(status) {
    const t = TICKS[status];
    if (!t) return null;
    const s = el('span', 'tick ' + t[1], t[0]);
    s.title = t[2];
    s.dataset.status = status;
    return s;
  }
  function facts(path) {
    const out = {};
    for (const p of path || []) { const i = p.indexOf('='); if (i > 0) out[p.slice(0, i)] = p.slice(i + 1); else out[p] = ''; }
    return out;
  }

  // ---- chat list ----
  function sortedConversations() {
    return [...state.conversations.values()].sort((a, b) =>
      ((b.lastMessage && b.lastMessage.sentAt) || 0) - ((a.lastMessage && a.lastMessage.sentAt) || 0));
  }
  function renderChats() {
    const ul = $('chats');
    ul.replaceChildren();
    const list = sortedConversations();
    $('empty-chats').classList.toggle('hidden', list.length > 0);
    for (const c of list) {
      const li = el('li');
      li.dataset.id = c.id;
      if (c.id === state.open) li.classList.add('active');
      const info = el('div', 'info');
      const top = el('div', 'top');
      top.append(el('span', 'name', c.title));
      if (c.lastMessage) top.append(el('span', 'time', time(c.lastMessage.sentAt)));
      const bottom = el('div', 'bottom');
      const prev = el('span', 'preview');
      if (c.lastMessage) {
        if (c.lastMessage.direction === 'out') { const t = tick(c.lastMessage.status); if (t) prev.append(t, ' '); }
        if (c.lastMessage.direction === 'system') prev.classList.add('system');
        prev.append(c.lastMessage.text || '');
      } else prev.textContent = c.kind === 'group' ? members(c) : 'say hello';
      bottom.append(prev);
      if (c.unread > 0 && c.id !== state.open) bottom.append(el('span', 'badge', String(c.unread)));
      info.append(top, bottom);
      li.append(avatar(c.title), info);
      li.addEventListener('click', () => openConversation(c.id));
      ul.append(li);
    }
  }

  // ---- conversation ----
  async function openConversation(id) {
    state.open = id;
    state.selected = null;
    $('app').classList.add('in-chat');
    const c = state.conversations.get(id);
    $('conv-title').textContent = c ? c.title : '';
    const who = c && c.kind !== 'group' ? state.contacts.get(c.id) : null;
    $('conv-sub').textContent = c && c.kind === 'group' ? 'group \u00b7 ' + members(c)
      : who && who.identityChanged ? '\u26a0 new key under a known name \u2014 compare safety numbers (' + (who.safetyNumber || '') + ') before trusting'
      : 'end-to-end encrypted \u00b7 onion-routed';
    $('conv-sub').classList.toggle('warn', !!(who && who.identityChanged));
    $('composer').classList.remove('hidden');
    if (c) c.unread = 0;
    renderChats();
    try {
      const r = await api('GET', '/v1/conversations/' + encodeURIComponent(id) + '/messages?limit=100');
      const map = state.messages.get(id) || new Map();
      for (const m of r.messages) if (!map.has(m.id) || map.get(m.id).updatedAt <= m.updatedAt) map.set(m.id, m);
      state.messages.set(id, map);
    } catch (e) { notice('Could not load messages: ' + e.message); }
    renderMessages();
    markRead();
    $('text').focus();
  }

  function markRead() {
    const map = state.messages.get(state.open);
    if (!map || document.hidden) return;
    const incoming = [...map.values()].filter((m) => m.direction === 'in').sort((a, b) => a.sentAt - b.sentAt);
    const last = incoming[incoming.length - 1];
    if (last && last.status !== 'read') {
      api('POST', '/v1/conversations/' + encodeURIComponent(state.open) + '/read', { upTo: last.id }).catch(() => {});
      last.status = 'read';
    }
  }

  function renderMessages() {
    const box = $('messages');
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    box.replaceChildren();
    const map = state.messages.get(state.open);
    const c = state.conversations.get(state.open);
    if (!map || map.size === 0) { box.append(el('div', 'placeholder', 'No messages yet')); updateNotice([]); return; }
    const list = [...map.values()].sort((a, b) => a.sentAt - b.sentAt);
    let lastDay = null;
    for (const m of list) {
      const d = day(m.sentAt);
      if (d !== lastDay) { box.append(el('div', 'day', d)); lastDay = d; }
      if (m.direction === 'system') { box.append(systemLine(m)); continue; }
      const b = el('div', 'msg ' + (m.direction === 'out' ? 'out' : 'in'));
      b.dataset.id = m.id;
      b.dataset.status = m.status;
      if (m.direction === 'in' && c && c.kind === 'group') b.append(el('div', 'sender', m.senderName || ''));
      b.append(document.createTextNode(m.text || ''));
      for (const a of (m.attachments || [])) b.append(attachmentView(a));
      const meta = el('span', 'meta', time(m.sentAt));
      if (m.direction === 'out') { const t = tick(m.status); if (t) meta.append(t); }
      b.append(meta);
      if (m.status === 'failed' && m.failureReason) b.append(el('span', 'why', m.failureReason));
      b.addEventListener('click', () => { state.selected = m.id; showPath(); });
      box.append(b);
    }
    if (atBottom || true) box.scrollTop = box.scrollHeight;
    updateNotice(list);
    if (!$('path-panel').classList.contains('hidden')) showPath();
  }

  // a notice of the node's own (a gap report, a device change), not a message of anyone: a centred
  // grey line, no bubble, no ticks, not clickable; synced files may still be listed under it
  function systemLine(m) {
    const line = el('div', 'msg system', m.text || '');
    line.dataset.id = m.id;
    line.dataset.direction = 'system';
    line.title = new Date(m.sentAt).toLocaleString();
    for (const a of (m.attachments || [])) line.append(attachmentView(a));
    return line;
  }

  function updateNotice(list) {
    const out = list.filter((m) => m.direction === 'out');
    const last = out[out.length - 1];
    if (!last) return notice(null);
    if (last.status === 'pending') return notice('\u25F7 Sending \u2014 building a route through the network\u2026');
    if (last.status === 'sent') return notice('Delivery pending: the recipient is offline. Your message waits at their inbox relay and will be delivered when they come back.');
    if (last.status === 'failed') return notice('! The last message could not be delivered' + (last.failureReason ? ': ' + last.failureReason : '.'));
    notice(null);
  }
  function notice(text) {
    $('notice').textContent = text || '';
    $('notice').classList.toggle('hidden', !text);
  }

  function showPath() {
    const map = state.messages.get(state.open);
    if (!map) return;
    let m = state.selected && map.get(state.selected);
    if (!m) m = [...map.values()].filter((x) => x.direction === 'out').sort((a, b) => b.sentAt - a.sentAt)[0];
    const body = $('path-body');
    body.replaceChildren();
    $('path-panel').classList.remove('hidden');
    if (!m) { body.append(el('p', 'sub', 'Send a message to see its route.')); return; }
    const f = facts(m.path);
    body.append(el('p', 'sub', '\u201C' + (m.text || '').slice(0, 60) + '\u201D'));
    const dl = el('dl');
    const row = (k, v) => { dl.append(el('dt', null, k), el('dd', null, v)); };
    row('Status', (TICKS[m.status] || [0, m.status, m.status])[2]);
    for (const ms of m.members || []) { // a group message: each member's own status
      const c = state.contacts.get(ms.contact);
      row('\u2192 ' + (c ? c.name : ms.contact.slice(0, 8)), (TICKS[ms.status] || [0, ms.status, ms.status])[2]);
    }
    row('Sent', new Date(m.sentAt).toLocaleString());
    if (m.updatedAt && m.updatedAt !== m.sentAt) row('Updated', new Date(m.updatedAt).toLocaleString());
    for (const [k, v] of Object.entries(f)) row(k.replace(/-/g, ' '), v || '\u2713');
    body.append(dl);
    const hops = Number(f.hops || 0);
    if (hops > 0) {
      const h = el('div', 'hops');
      h.append(el('span', 'hop', 'you'));
      for (let i = 1; i <= hops; i++) h.append('\u2192', el('span', 'hop', 'relay ' + i));
      h.append('\u2192', el('span', 'hop', m.direction === 'out' ? 'inbox relay' : 'you'));
      body.append(h);
    }
    if (!m.path || m.path.length === 0) body.append(el('p', 'sub', 'No route information yet.'));
  }

  // ---- attachments ----
  function size(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1024 / 1024).toFixed(1) + ' MiB';
  }
  const READY = new Set(['received', 'ready', 'sending', 'sent']);
  // listed with synced history (id synced-<digest>): name, type and size only; the file itself
  // stayed on the primary, so there is nothing to download here
  const NOT_SYNCED = 'not synced';
  function attachmentView(a) {
    const box = el('div', 'att att-' + String(a.status).replace(/[^a-z0-9]+/gi, '-'));
    box.dataset.status = a.status;
    box.append(el('span', 'att-icon', '\u{1F4C4}'));
    const info = el('div', 'att-info');
    info.append(el('div', 'att-name', a.name));
    let what = size(a.size);
    if (a.status === 'receiving' || a.status === 'sending') what += ' \u00b7 ' + a.status + ' ' + Math.floor((a.progress || 0) * 100) + '%';
    else if (a.status === 'failed') what += ' \u00b7 failed its integrity check';
    else if (a.status === 'sent') what += ' \u00b7 sent';
    else if (a.status === NOT_SYNCED) what += ' \u00b7 not synced';
    info.append(el('div', 'att-sub', what));
    box.append(info);
    if (READY.has(a.status) && !String(a.id).startsWith('synced-')) {
      const link = el('a', 'att-dl', 'Download');
      link.href = '#';
      link.onclick = async (ev) => {
        ev.preventDefault();
        ev.stopPropagation();
        try {
          const blob = await api('GET', '/v1/attachments/' + encodeURIComponent(a.id));
          const url = URL.createObjectURL(blob);
          const save = document.createElement('a');
          save.href = url;
          save.download = a.name || 'attachment';
          document.body.append(save);
          save.click();
          save.remove();
          setTimeout(() => URL.revokeObjectURL(url), 10000);
        } catch (e) { notice('Download failed: ' + e.message); }
      };
      box.append(link);
    }
    return box;
  }
  async function uploadFile(file) {
    const res = await fetch('/v1/attachments?name=' + encodeURIComponent(file.name || 'attachment'), {
      method: 'POST',
      headers: { 'Authorization': 'Bearer ' + state.token, 'Content-Type': file.type || 'application/octet-stream' },
      body: file,
    });
    if (!res.ok) {
      let detail = res.statusText;
      try { const p = await res.json(); detail = p.detail || p.title || detail; } catch (e) { /* not json */ }
      throw new Error(detail);
    }
    return res.json();
  }
  function showAttached() {
    const box = $('attached');
    box.replaceChildren();
    box.classList.toggle('hidden', !state.file);
    if (state.file) {
      box.append(el('span', '', '\u{1F4CE} ' + state.file.name + ' (' + size(state.file.size) + ')'));
      const x = el('button', 'att-x', '\u2715');
      x.type = 'button';
      x.title = 'Remove';
      x.onclick = () => { state.file = null; $('file').value = ''; showAttached(); };
      box.append(x);
    }
  }

  function upsertMessage(m) {
    let map = state.messages.get(m.conversationId);
    if (!map) { map = new Map(); state.messages.set(m.conversationId, map); }
    const old = map.get(m.id);
    if (!old || (old.updatedAt || 0) <= (m.updatedAt || 0)) map.set(m.id, m);
    const c = state.conversations.get(m.conversationId);
    if (c) {
      if (!c.lastMessage || c.lastMessage.sentAt <= m.sentAt || c.lastMessage.id === m.id) c.lastMessage = map.get(m.id);
      if (!old && m.direction === 'in' && m.conversationId !== state.open) c.unread = (c.unread || 0) + 1;
    } else {
      refreshConversations();
    }
  }

  // ---- events ----
  function setConn(kind, text) {
    const c = $('conn');
    c.className = 'conn conn-' + kind;
    c.textContent = text;
  }
  function connect() {
    setConn('wait', 'connecting\u2026');
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/v1/events');
    state.ws = ws;
    ws.onopen = () => {
      const cursor = state.cursor === null ? Number(sessionStorage.getItem('parley.cursor') || 0) : state.cursor;
      ws.send(JSON.stringify({ token: state.token, cursor }));
    };
    ws.onmessage = (ev) => {
      const e = JSON.parse(ev.data);
      if (e.type === 'hello') { state.retry = 0; setConn('on', 'connected'); return; }
      if (e.type === 'error') { notice(e.detail); return; }
      if (typeof e.cursor === 'number') { state.cursor = e.cursor; sessionStorage.setItem('parley.cursor', String(e.cursor)); }
      if (e.type === 'gap' && e.message && !e.message.conversationId) notice(e.message.text); // missed from another device of ours: no conversation
      else if (e.message) upsertMessage(e.message);
      if (e.type === 'gap' && !e.message && state.open) reloadOpen(); // a gap report without its entry: fetch the conversation again
      if (e.type === 'contact' || e.type === 'group' || e.type === 'identity-changed' || e.type === 'device') refreshConversations();
      if (e.type === 'device' && $('dlg-devices').open) showDevices();
      schedule();
    };
    ws.onclose = (ev) => {
      if (ev.code === 4401) { showLogin(); return; }
      setConn('off', 'offline');
      const delay = Math.min(10000, 500 * Math.pow(2, state.retry++));
      setTimeout(connect, delay);
    };
  }
  async function reloadOpen() {
    const id = state.open;
    try {
      const r = await api('GET', '/v1/conversations/' + encodeURIComponent(id) + '/messages?limit=100');
      const map = state.messages.get(id) || new Map();
      for (const m of r.messages) if (!map.has(m.id) || (map.get(m.id).updatedAt || 0) <= (m.updatedAt || 0)) map.set(m.id, m);
      state.messages.set(id, map);
      schedule();
    } catch (e) { /* the next event or opening it again brings it */ }
  }
  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      renderChats();
      if (state.open) { renderMessages(); markRead(); }
    });
  }

  async function refreshConversations() {
    try {
      const [conv, contacts] = await Promise.all([api('GET', '/v1/conversations'), api('GET', '/v1/contacts')]);
      const next = new Map();
      for (const c of conv.conversations) {
        const old = state.conversations.get(c.id);
        if (old && old.lastMessage && c.lastMessage && old.lastMessage.updatedAt > c.lastMessage.updatedAt) c.lastMessage = old.lastMessage;
        next.set(c.id, c);
      }
      state.conversations = next;
      state.contacts = new Map(contacts.contacts.map((c) => [c.id, c]));
      schedule();
    } catch (e) { if (e.message !== 'unauthorized') notice('Your node does not answer: ' + e.message); }
  }

  // ---- dialogs ----
  async function showInvite() {
    $('invite').value = state.me ? state.me.invite : '';
    try {
      const blob = await api('GET', '/v1/me/qr.svg');
      $('qr').src = URL.createObjectURL(blob);
    } catch (e) { /* the link alone still works */ }
    $('dlg-invite').showModal();
  }
  function showLogin() { $('login').classList.remove('hidden'); }

  // ---- devices ----
  async function showDevices() {
    $('devices-error').textContent = '';
    let d;
    try { d = await api('GET', '/v1/devices'); } catch (e) { $('devices-error').textContent = e.message; return; }
    const list = $('devices-list');
    list.replaceChildren();
    const primary = d.role === 'solo' || d.role === 'primary';
    for (const dev of d.devices) {
      const li = el('li', dev.removedAt > 0 ? 'removed' : '');
      li.append(el('span', 'name', dev.name));
      const tags = [];
      if (dev.primary) tags.push('primary');
      if (dev.current) tags.push('this device');
      if (dev.removedAt > 0) tags.push('unlinked ' + day(dev.removedAt));
      else if (dev.addedAt > 0) tags.push('linked ' + day(dev.addedAt));
      li.append(el('span', 'sub', tags.join(' \u00b7 ')));
      if (primary && !dev.current && dev.removedAt === 0) {
        const b = el('button', 'danger', 'Unlink');
        b.type = 'button';
        b.onclick = async () => {
          if (!confirm('Unlink ' + dev.name + '? It stops receiving your messages for good.')) return;
          try { await api('DELETE', '/v1/devices/' + encodeURIComponent(dev.id)); showDevices(); } catch (e) { $('devices-error').textContent = e.message; }
        };
        li.append(b);
      }
      list.append(li);
    }
    if (d.role === 'unlinked') list.append(el('li', 'removed', 'This device was unlinked from its account.'));
    $('form-link-approve').classList.toggle('hidden', !primary);
    $('link-self').classList.toggle('hidden', d.role !== 'solo');
    if (d.role === 'linked') $('link-self-coderow').classList.add('hidden');
    if (!$('dlg-devices').open) $('dlg-devices').showModal();
  }

  function wire() {
    $('btn-invite').onclick = showInvite;
    $('copy-invite').onclick = () => { $('invite').select(); navigator.clipboard && navigator.clipboard.writeText($('invite').value); };
    $('btn-add').onclick = () => { $('add-error').textContent = ''; $('form-add').reset(); $('dlg-add').showModal(); };
    $('btn-group').onclick = () => {
      const box = $('group-members');
      box.replaceChildren();
      for (const c of state.contacts.values()) {
        const l = el('label'); const cb = el('input'); cb.type = 'checkbox'; cb.value = c.id;
        l.append(cb, c.name); box.append(l);
      }
      if (state.contacts.size === 0) box.append(el('p', 'sub', 'Add contacts first.'));
      $('group-error').textContent = '';
      $('dlg-group').showModal();
    };
    $('btn-devices').onclick = showDevices;
    $('form-link-approve').onsubmit = async (ev) => {
      ev.preventDefault();
      try {
        const history = Math.max(0, Math.min(200, parseInt($('link-history').value, 10) || 0));
        await api('POST', '/v1/devices', { code: $('link-code').value.trim(), history });
        $('link-code').value = '';
        showDevices();
      } catch (e) { $('devices-error').textContent = e.message; }
    };
    $('link-self-go').onclick = async () => {
      try {
        const c = await api('POST', '/v1/devices/link', { name: $('link-self-name').value.trim() || 'browser device' });
        $('link-self-code').value = c.code;
        $('link-self-coderow').classList.remove('hidden');
      } catch (e) { $('devices-error').textContent = e.message; }
    };
    $('copy-link-code').onclick = () => { $('link-self-code').select(); navigator.clipboard && navigator.clipboard.writeText($('link-self-code').value); };
    document.querySelectorAll('[data-cancel]').forEach((b) => { b.onclick = () => b.closest('dialog').close(); });
    document.querySelectorAll('[data-close]').forEach((b) => { b.onclick = () => $(b.dataset.close).classList.add('hidden'); });
    $('form-add').onsubmit = async (ev) => {
      ev.preventDefault();
      try {
        const c = await api('POST', '/v1/contacts', { name: $('add-name').value.trim(), invite: $('add-invite').value.trim() });
        $('dlg-add').close();
        await refreshConversations();
        const conv = [...state.conversations.values()].find((x) => x.kind === 'direct' && x.members.includes(c.id));
        if (conv) openConversation(conv.id);
      } catch (e) { $('add-error').textContent = e.message; }
    };
    $('form-group').onsubmit = async (ev) => {
      ev.preventDefault();
      const members = [...$('group-members').querySelectorAll('input:checked')].map((i) => i.value);
      try {
        const g = await api('POST', '/v1/groups', { name: $('group-name').value.trim(), members });
        $('dlg-group').close();
        await refreshConversations();
        openConversation(g.id);
      } catch (e) { $('group-error').textContent = e.message; }
    };
    $('composer').onsubmit = async (ev) => {
      ev.preventDefault();
      const text = $('text').value;
      if (state.file && state.open) {
        const file = state.file;
        state.file = null;
        showAttached();
        $('text').value = '';
        notice('Uploading ' + file.name + '\u2026');
        try {
          const att = await uploadFile(file);
          notice('');
          const m = await api('POST', '/v1/conversations/' + encodeURIComponent(state.open) + '/messages',
            { text: text.trim() ? text : '', attachments: [att.id] });
          upsertMessage(m);
          renderMessages();
        } catch (e) { notice('Not sent: ' + e.message); $('text').value = text; }
        return;
      }
      if (!text.trim() || !state.open) return;
      $('text').value = '';
      autosize();
      try {
        const m = await api('POST', '/v1/conversations/' + encodeURIComponent(state.open) + '/messages', { text });
        upsertMessage(m);
        schedule();
      } catch (e) { notice('Not sent: ' + e.message); $('text').value = text; }
    };
    $('attach').onclick = () => $('file').click();
    $('file').onchange = () => {
      const f = $('file').files[0];
      if (f && f.size > 16 * 1024 * 1024) { notice('Attachments are at most 16 MiB'); $('file').value = ''; return; }
      state.file = f || null;
      showAttached();
    };
    $('text').addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); $('composer').requestSubmit(); }
    });
    $('text').addEventListener('input', autosize);
    $('btn-back').onclick = () => { state.open = null; $('app').classList.remove('in-chat'); renderChats(); };
    $('btn-path').onclick = () => { state.selected = null; showPath(); };
    $('form-login').onsubmit = (ev) => {
      ev.preventDefault();
      sessionStorage.setItem('parley.token', $('login-token').value.trim());
      location.reload();
    };
    document.addEventListener('visibilitychange', markRead);
  }
  function autosize() { const t = $('text'); t.style.height = 'auto'; t.style.height = Math.min(140, t.scrollHeight) + 'px'; }

  async function main() {
    state.token = takeToken();
    wire();
    if (!state.token) { showLogin(); return; }
    try {
      state.me = await api('GET', '/v1/me');
      $('me-name').textContent = state.me.displayName || 'me';
      $('me-avatar').replaceWith(Object.assign(avatar(state.me.displayName), { id: 'me-avatar' }));
    } catch (e) { if (e.message !== 'unauthorized') notice('Your node does not answer: ' + e.message); }
    await refreshConversations();
    connect();
  }
  main();
})();
