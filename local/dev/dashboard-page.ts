/**
 * The HTML of the local page: one self-contained document (inline CSS and script, no external
 * asset, so it works offline) that renders the `/_relance/*` JSON views and refreshes them every
 * 2 s with fetch. Every value goes through an escape function before it becomes HTML, and e-mail
 * HTML is shown only inside a sandboxed `<iframe srcdoc>`.
 */

/** Escapes text for an HTML element body or a quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Nothing leaves the machine: scripts and styles are inline, data comes from this origin, and
 * an e-mail's remote images or links cannot load inside the (CSP-inheriting) srcdoc frame.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'unsafe-inline'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECTIONS: ReadonlyArray<{ id: string; title: string; hint: string }> = [
  {
    id: 'journeys',
    title: 'Journeys',
    hint: 'each journey as deployed, with its counts; click a step for the runs waiting there and its messages',
  },
  {
    id: 'preview',
    title: 'Preview',
    hint: 'a template rendered for a contact with their data, as it would be sent; nothing is sent',
  },
  { id: 'outbox', title: 'Outbox', hint: 'e-mails, SMS and calls sent, newest first; click one to see it' },
  { id: 'decisions', title: 'Decisions', hint: 'every send the ledger recorded, and why it was not sent' },
  { id: 'runs', title: 'Journey runs', hint: 'most recently updated first' },
  { id: 'executions', title: 'Executions', hint: 'state machine executions, newest first' },
  { id: 'contacts', title: 'Contacts', hint: 'profiles in the contacts table' },
  { id: 'leads', title: 'Leads', hint: 'newest first: who owns each lead, why, and what happened to it' },
  { id: 'reps', title: 'Reps', hint: 'the roster: open leads against capacity, on duty at journey time' },
  { id: 'segments', title: 'Segments', hint: 'deployed segments and the contacts in them' },
  { id: 'passes', title: 'Audience passes', hint: 'scheduled journeys reaching their segment, newest first' },
  { id: 'events', title: 'Events', hint: 'what went on the bus, and what fell off it' },
  { id: 'schedules', title: 'Schedules', hint: 'pending schedules, soonest first' },
  {
    id: 'metrics',
    title: 'Metrics',
    hint: 'what the functions report to CloudWatch (EMF), as the dashboard and alarms read it',
  },
];

const STYLE = `
:root { --fg: #1d2330; --muted: #6b7385; --line: #e3e6ee; --bg: #f6f7fb; --card: #fff;
  --ok: #1f7a3a; --warn: #9a6200; --bad: #b3261e; --run: #1f5fbf; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: var(--fg); background: var(--bg); }
header { position: sticky; top: 0; z-index: 2; background: #1d2330; color: #fff; padding: 10px 20px;
  display: flex; flex-wrap: wrap; gap: 6px 20px; align-items: baseline; }
header h1 { font-size: 18px; margin: 0; }
header .clock { font: 600 15px ui-monospace, monospace; }
header .muted { color: #b9c0d0; }
header nav a { color: #cfe0ff; margin-right: 10px; text-decoration: none; }
header nav a:hover { text-decoration: underline; }
#error { color: #ffb4ab; }
main { padding: 12px 20px 40px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin: 14px 0; padding: 10px 14px; }
section h2 { font-size: 16px; margin: 2px 0 8px; }
section h2 small { font-weight: normal; color: var(--muted); margin-left: 8px; }
section h3 { font-size: 14px; margin: 14px 0 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-top: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; border-top: 0; }
td.mono, .mono { font-family: ui-monospace, monospace; font-size: 12px; }
.empty { color: var(--muted); margin: 4px 0; }
.badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 12px; background: #eef0f5; white-space: nowrap; }
.badge.ok { background: #e3f4e8; color: var(--ok); }
.badge.warn { background: #fdf1dc; color: var(--warn); }
.badge.bad { background: #fbe4e2; color: var(--bad); }
.badge.run { background: #e2ecfb; color: var(--run); }
tr.unmatched td { background: #fff6d6; }
tr:target td { background: #e2ecfb; }
details.msg { border-top: 1px solid var(--line); }
details.msg > summary { cursor: pointer; display: grid; gap: 10px; padding: 5px 4px; align-items: baseline;
  grid-template-columns: 11.5em 4.5em minmax(10em, 16em) 1fr minmax(8em, 14em) minmax(6em, 16em); }
details.msg > summary::-webkit-details-marker { display: none; }
details.msg[open] > summary { background: #f0f3fa; }
.msg .body { padding: 8px 4px 12px; }
.msg iframe { width: 100%; height: 420px; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
.msg pre, td pre { white-space: pre-wrap; background: #f6f7fb; padding: 8px; border-radius: 4px; margin: 6px 0; }
ol.hist { margin: 0; padding-left: 18px; }
details.att { margin: 4px 0; }
details.att > summary { cursor: pointer; }
.journey { margin: 0 0 18px; }
.journey h3 { margin: 6px 0; font-size: 15px; }
.journey h3 small { font-weight: normal; color: var(--muted); margin-left: 6px; }
.jrow { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.jrow svg { background: #fff; border: 1px solid var(--line); border-radius: 6px; max-width: 100%; height: auto; }
.jrow .jside { flex: 1; min-width: 18em; }
.node { cursor: pointer; }
.node rect { fill: #fff; stroke: #b8c0d2; }
.node.trigger rect { fill: #eef2fb; }
.node.send rect, .node.broadcast rect { fill: #eef8f1; }
.node.selected rect { stroke: var(--run); stroke-width: 2; }
.node text { font-size: 11px; fill: var(--fg); }
.node text.id { font-weight: 600; }
.node text.count { fill: var(--muted); }
.node text.waiting { fill: var(--warn); }
.edge-label { font-size: 10px; fill: var(--muted); }
.preview-form { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; margin-bottom: 10px; }
.preview-form textarea { width: 100%; min-height: 4em; font: 12px ui-monospace, monospace; }
.muted { color: var(--muted); }
.why { color: var(--warn); }
`;

/*
 * The browser side. Kept in String.raw (so regex backslashes stay as written) with no backtick
 * and no dollar-brace: values are joined with `+`.
 */
const SCRIPT = String.raw`
(() => {
  'use strict';
  const VIEWS = ['status', 'journeys', 'templates', 'outbox', 'ledger', 'runs', 'executions', 'contacts', 'events', 'schedules',
    'leads', 'reps', 'passes', 'segments', 'metrics'];
  // Which JSON views each section is drawn from.
  const SECTIONS = {
    journeys: ['journeys'], preview: ['templates'], outbox: ['outbox'], decisions: ['ledger', 'contacts'], runs: ['runs'], executions: ['executions'],
    contacts: ['contacts'], leads: ['leads', 'reps'], reps: ['reps'], segments: ['segments', 'contacts'],
    passes: ['passes'], events: ['events'], schedules: ['schedules'], metrics: ['metrics'],
  };
  const data = {};
  const lastText = {};
  const opened = new Set();

  const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const esc = (v) => String(v === undefined || v === null ? '' : v).replace(/[&<>"']/g, (c) => ESC[c]);
  const time = (v) => (v ? new Date(v).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z') : '');
  const TONES = { sent: 'ok', SUCCEEDED: 'ok', ended: 'ok', SUCCESS: 'ok', skipped: 'warn', deferred: 'warn',
    waiting: 'warn', stalled: 'bad', failed: 'bad', FAILED: 'bad', ABORTED: 'bad', FAILURE: 'bad', active: 'run',
    RUNNING: 'run', in_flight: 'run', new: 'warn', assigned: 'run', accepted: 'ok', contacted: 'ok',
    reassigned: 'warn', running: 'run', finished: 'ok', 'on duty': 'ok', 'out of office': 'warn', full: 'bad' };
  const badge = (text) => '<span class="badge ' + (TONES[text] || '') + '">' + esc(text) + '</span>';
  const empty = (text) => '<p class="empty">' + esc(text || 'nothing yet') + '</p>';
  const row = (cells, attrs) => '<tr' + (attrs || '') + '>' + cells.map((c) => '<td>' + c + '</td>').join('') + '</tr>';
  const table = (head, rows, none) => rows.length === 0 ? empty(none) :
    '<table><thead><tr>' + head.map((h) => '<th>' + esc(h) + '</th>').join('') + '</tr></thead><tbody>' +
    rows.join('') + '</tbody></table>';
  const json = (v) => '<pre class="mono">' + esc(JSON.stringify(v, null, 2)) + '</pre>';
  const decision = (d) => d ? badge(d.status) + (d.status === 'sent' ? '' : ' <span class="why">' + esc(d.explanation) + '</span>') : '<span class="muted">no ledger entry</span>';
  const where = (m) => esc(m.journey || '?') + ' / ' + esc(m.step || '?');

  // ----- outbox: one expandable line per message; e-mail HTML only in a sandboxed frame -----
  const messages = () => {
    const o = data.outbox || { emails: [], sms: [], phone: [] };
    const all = o.emails.map((m) => ({ key: 'email:' + m.messageId, kind: 'e-mail', m }))
      .concat(o.sms.map((m) => ({ key: 'sms:' + m.messageId, kind: 'SMS', m })))
      .concat((o.phone || []).map((m) => ({ key: 'phone:' + m.messageId, kind: m.channel === 'VOICE' ? 'call' : 'SMS', phone: true,
        m: Object.assign({}, m, { text: m.body }) })));
    return all.sort((a, b) => (a.m.at < b.m.at ? 1 : a.m.at > b.m.at ? -1 : 0));
  };
  // A text attachment (an .ics invitation) opens in place; its open state survives redraws like a message's.
  const attachments = (m) => !m.attachments ? '' : '<h3>Attachments</h3>' + m.attachments.map((a, i) => {
    const line = '<span class="mono">' + esc(a.fileName) + '</span> <span class="muted">' + esc(a.contentType) +
      ' · ' + esc(a.bytes) + ' bytes</span>';
    if (a.text === undefined) return '<div class="att">' + line + '</div>';
    const key = 'attachment:' + m.messageId + ':' + i;
    return '<details class="att" data-key="' + esc(key) + '"' + (opened.has(key) ? ' open' : '') + '><summary>' +
      line + '</summary><pre class="mono">' + esc(a.text) + '</pre></details>';
  }).join('');
  const messageBody = (item) => {
    const m = item.m;
    if (item.phone) {
      // A call's script is shown as written (SSML tags included): what Polly reads.
      return (m.voice ? '<div class="muted">' + esc(m.bodyType) + ' read by ' + esc(m.voice) + '</div>' : '') +
        '<pre>' + esc(m.body) + '</pre><div class="muted">End User Messaging ' + badge(m.status) + ' · from ' + esc(m.from) +
        ' · message ' + esc(m.messageId) + (m.ledger ? ' · ledger ' + esc(m.ledger.ledgerKey) : '') + '</div>';
    }
    if (item.kind === 'SMS') {
      return '<pre>' + esc(m.text) + '</pre><div class="muted">SNS ' + badge(m.status) + ' ' + esc(m.providerResponse) +
        ' · message ' + esc(m.messageId) + (m.ledger ? ' · ledger ' + esc(m.ledger.ledgerKey) : '') + '</div>';
    }
    return '<div class="muted">from ' + esc(m.from) + ' · message ' + esc(m.messageId) +
      (m.ledger ? ' · ledger ' + esc(m.ledger.ledgerKey) : '') + '</div>' +
      '<iframe sandbox="" referrerpolicy="no-referrer" title="e-mail HTML" srcdoc="' + esc(m.html) + '"></iframe>' +
      '<h3>Text part</h3><pre>' + esc(m.text) + '</pre>' + attachments(m);
  };
  const renderOutbox = () => {
    const items = messages();
    if (items.length === 0) return empty('no message sent yet');
    return items.map((item) => {
      const m = item.m;
      const open = opened.has(item.key);
      return '<details class="msg" data-key="' + esc(item.key) + '"' + (open ? ' open' : '') + '><summary>' +
        '<span class="mono">' + esc(time(m.at)) + '</span><span>' + badge(item.kind) + '</span>' +
        '<span class="to">' + esc(item.kind === 'e-mail' ? m.to.join(', ') : m.phone) + '</span>' +
        '<span class="subject">' + esc(item.kind === 'e-mail' ? m.subject : m.text) +
          (m.attachments ? ' <span class="muted">+ ' + esc(m.attachments.map((a) => a.fileName).join(', ')) + '</span>' : '') + '</span>' +
        '<span>' + where(m) + '</span><span>' + decision(m.ledger) + '</span></summary>' +
        '<div class="body">' + (open ? messageBody(item) : '') + '</div></details>';
    }).join('');
  };
  // ----- journeys: each one as an SVG graph (laid out by the server with dagre), counts on each step -----
  const selectedStep = {};
  const svgText = (x, y, cls, text) => '<text x="' + x + '" y="' + y + '" class="' + cls + '">' + esc(text) + '</text>';
  const nodeSvg = (j, n) => {
    const left = n.x - n.width / 2;
    const top = n.y - n.height / 2;
    const f = n.funnel;
    const counts = n.type === 'trigger' ? j.runs.entered + ' entered, ' + j.runs.heldOut + ' held out'
      : f ? f.sent + ' sent · ' + f.skipped + ' skipped' + (f.delivered ? ' · ' + f.delivered + ' delivered' : '') +
        (f.opened ? ' · ' + f.opened + ' opened' : '') : '';
    const selected = selectedStep[j.journeyId] === n.id ? ' selected' : '';
    return '<g class="node ' + esc(n.type) + selected + '" data-journey="' + esc(j.journeyId) + '" data-node="' + esc(n.id) + '">' +
      '<title>' + esc(n.id + ': ' + n.label) + '</title>' +
      '<rect x="' + left + '" y="' + top + '" width="' + n.width + '" height="' + n.height + '" rx="6"></rect>' +
      svgText(left + 8, top + 15, 'id', n.type === 'trigger' ? j.journeyId : n.id) +
      svgText(left + 8, top + 29, 'label', n.label.length > 34 ? n.label.slice(0, 33) + '…' : n.label) +
      svgText(left + 8, top + 43, 'count', counts) +
      (n.waiting ? svgText(left + 8, top + 55, 'waiting', n.waiting + ' waiting') : '') + '</g>';
  };
  const edgeSvg = (e, marker) => {
    const points = e.points.map((p) => p.x + ',' + p.y).join(' ');
    const mid = e.points[Math.floor(e.points.length / 2)] || { x: 0, y: 0 };
    return '<polyline points="' + points + '" fill="none" stroke="#8a93a6" marker-end="url(#' + marker + ')"></polyline>' +
      (e.label ? svgText(mid.x + 5, mid.y - 3, 'edge-label', e.label) : '');
  };
  const stepPanel = (j) => {
    const stepId = selectedStep[j.journeyId];
    const at = stepId ? j.atStep[stepId] : undefined;
    if (!at) return '<p class="muted">click a step to see the runs waiting there and its latest messages</p>';
    return '<h3>' + esc(stepId) + '</h3>' +
      table(['Waiting run', 'Contact', 'Since'], at.waiting.map((r) => row([
        '<span class="mono">' + esc(r.runKey) + '</span>', '<span class="mono">' + esc(r.contactId) + '</span>',
        '<span class="mono">' + esc(time(r.since)) + '</span>'])), 'no run waiting here') +
      table(['Message to', 'Decision', 'At'], at.messages.map((m) => row([
        '<span class="mono">' + esc(m.contactId) + '</span>', badge(m.status) + (m.reason ? ' <span class="why">' + esc(m.reason) + '</span>' : ''),
        '<span class="mono">' + esc(time(m.at)) + '</span>'])), 'no message attempted here');
  };
  const runsLine = (r) => 'entered ' + r.entered + ' · held out ' + r.heldOut + ' · in progress ' + r.inProgress +
    ' · goal reached ' + r.goalReached + ' · completed ' + r.completed + ' · exited ' + r.exited + ' · failed ' + r.failed;
  const renderJourneys = () => (data.journeys || []).length === 0 ? empty('no journey deployed') :
    data.journeys.map((j) => {
      const L = j.layout;
      const marker = 'arrow-' + j.journeyId.replace(/[^A-Za-z0-9-]/g, '_');
      return '<div class="journey" data-journey-view="' + esc(j.journeyId) + '"><h3>' + esc(j.journeyId) + '<small>' +
        esc(j.version || '') + ' · ' + esc(j.description) + '</small></h3><div class="jrow">' +
        '<svg role="img" aria-label="' + esc('journey ' + j.journeyId) + '" viewBox="0 0 ' + L.width + ' ' + L.height +
        '" width="' + L.width + '" height="' + L.height + '"><defs><marker id="' + marker + '" viewBox="0 0 10 10" refX="9" refY="5" ' +
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8a93a6"></path></marker></defs>' +
        L.edges.map((e) => edgeSvg(e, marker)).join('') + L.nodes.map((n) => nodeSvg(j, n)).join('') + '</svg>' +
        '<div class="jside"><p class="report">runs: ' + esc(runsLine(j.runs)) + '</p>' + stepPanel(j) + '</div></div></div>';
    }).join('');
  // ----- preview: the form is drawn once; its result is drawn on demand, never by the refresh -----
  const renderPreviewForm = () => '<div class="preview-form">' +
    '<select id="pv-template" aria-label="template">' + (data.templates || []).map((t) =>
      '<option value="' + esc(t.id) + '">' + esc(t.id + ' (' + t.channel + ')') + '</option>').join('') + '</select>' +
    '<input id="pv-contact" aria-label="contact" placeholder="e-mail address or contact id">' +
    '<input id="pv-locale" aria-label="locale" placeholder="locale (optional)" size="14">' +
    '<label><input type="checkbox" id="pv-marketing"> marketing footer</label>' +
    '<textarea id="pv-trigger" aria-label="trigger detail" placeholder="trigger detail as JSON, e.g. {&quot;items&quot;: [...]}"></textarea>' +
    '<button type="button" id="pv-go">Preview</button></div><div id="pv-result"></div>';
  const renderPreviewResult = (answer) => {
    if (answer.message) return '<p class="why">' + esc(answer.field + ': ' + answer.message) + '</p>';
    const p = answer.preview;
    if (p.missing) return '<p class="why">cannot render: ' + esc(p.missing) + ' has no value (give it in the trigger detail)</p>';
    if (p.channel === 'email') return '<h3>' + esc(p.subject) + ' <small class="muted">' + esc(p.locale) + ' variant</small></h3>' +
      '<iframe sandbox="" referrerpolicy="no-referrer" title="e-mail HTML preview" srcdoc="' + esc(p.html) + '"></iframe><h3>Text part</h3><pre>' + esc(p.text) + '</pre>';
    if (p.channel === 'sms') return '<p class="sms-parts">' + esc(p.parts + ' part(s), ' + p.encoding + ', ' + p.units + ' units' +
      (p.offendingCharacter ? ' (UCS-2 because of ' + p.offendingCharacter + ')' : '')) + '</p><pre>' + esc(p.text) + '</pre>';
    return '<p>' + esc('read by ' + p.voice + ' (' + p.bodyType + ')') + '</p><pre>' + esc(p.body) + '</pre>';
  };
  document.addEventListener('click', async (event) => {
    if (!(event.target instanceof Element) || event.target.id !== 'pv-go') return;
    const value = (id) => document.getElementById(id).value;
    const query = new URLSearchParams({ template: value('pv-template'), contact: value('pv-contact'),
      locale: value('pv-locale'), trigger: value('pv-trigger'), marketing: document.getElementById('pv-marketing').checked ? '1' : '' });
    const result = document.getElementById('pv-result');
    try {
      const response = await fetch('/_relance/preview?' + query.toString(), { cache: 'no-store' });
      result.innerHTML = renderPreviewResult(await response.json());
    } catch (error) {
      result.innerHTML = '<p class="why">' + esc('preview failed: ' + (error && error.message ? error.message : error)) + '</p>';
    }
  });

  document.addEventListener('click', (event) => {
    const node = event.target instanceof Element ? event.target.closest('[data-node]') : null;
    if (!node) return;
    const journey = node.getAttribute('data-journey');
    selectedStep[journey] = selectedStep[journey] === node.getAttribute('data-node') ? undefined : node.getAttribute('data-node');
    document.getElementById('view-journeys').innerHTML = renderJourneys();
  });

  // Frames are built when a message is opened, not for every message on every refresh.
  document.addEventListener('toggle', (event) => {
    const el = event.target;
    if (!(el instanceof HTMLDetailsElement) || !el.dataset.key) return;
    if (!el.open) { opened.delete(el.dataset.key); return; }
    opened.add(el.dataset.key);
    const body = el.querySelector('.body');
    const item = messages().find((i) => i.key === el.dataset.key);
    if (body && item && body.innerHTML === '') body.innerHTML = messageBody(item);
  }, true);

  const renderDecisions = () => {
    const emails = new Map((data.contacts || []).map((c) => [c.contactId, c.email || c.phone || '']));
    return table(['Time', 'Contact', 'Journey', 'Step', 'Channel', 'Status', 'Why'], (data.ledger || []).map((e) =>
      row(['<span class="mono">' + esc(time(e.updatedAt || e.createdAt)) + '</span>',
        esc(emails.get(e.contactId) || '') + '<div class="muted mono">' + esc(e.contactId) + '</div>',
        esc(e.journeyId), esc(e.stepId), esc(e.channel), badge(e.status),
        e.status === 'sent' ? esc(e.explanation) : '<span class="why">' + esc(e.explanation) + '</span>'])),
      'no send decided yet');
  };

  const renderRuns = () => table(['Journey', 'Run', 'Status', 'Fate', 'Started', 'Updated', 'History', 'Executions'],
    (data.runs || []).map((r) => row([
      esc(r.journeyId) + (r.version ? '<div class="muted mono">v ' + esc(r.version) + '</div>' : ''),
      '<span class="mono">' + esc(r.runKey) + '</span><div class="muted">gen ' + esc(r.gen) + '</div>',
      badge(r.status) + (r.endReason ? '<div class="muted">' + esc(r.endReason) + '</div>' : '') +
        (r.waiting ? '<div class="muted">' + esc(r.waiting.kind) + ' until ' + esc(time(r.waiting.until)) + '</div>' : ''),
      (r.status === 'stalled' || /overdue|fails when/.test(r.fate || '') ? '<span class="why">' + esc(r.fate) + '</span>' : esc(r.fate || '')),
      '<span class="mono">' + esc(time(r.startedAt)) + '</span>', '<span class="mono">' + esc(time(r.updatedAt)) + '</span>',
      '<ol class="hist">' + r.history.map((h) => '<li><span class="mono">' + esc(time(h.at)) + '</span> ' +
        esc(h.step) + ': ' + esc(h.what) + '</li>').join('') + '</ol>',
      r.executions.map((x) => '<a href="#exec-' + esc(x.name) + '">' + esc(x.name.slice(0, 8)) + '</a> ' + badge(x.status)).join('<br>'),
    ], ' data-journey="' + esc(r.journeyId) + '"')), 'no journey run yet');

  const renderExecutions = () => table(['State machine', 'Status', 'Started', 'States entered', 'Error'],
    (data.executions || []).map((x) => row([
      esc(x.stateMachine) + (x.journey ? '<div class="muted">journey ' + esc(x.journey) + '</div>' : '') +
        '<div class="muted mono">' + esc(x.name) + '</div>',
      badge(x.status), '<span class="mono">' + esc(time(x.startedAt)) + '</span>',
      esc(x.states.join(' → ')), x.error ? '<span class="why">' + esc(x.error) + ': ' + esc(x.cause) + '</span>' : '',
    ], ' id="exec-' + esc(x.name) + '"')), 'no execution yet');

  const renderContacts = () => table(['Contact', 'E-mail', 'Phone', 'Tags', 'Consent', 'Stats'],
    (data.contacts || []).map((c) => row([
      esc(c.name) + '<div class="muted mono">' + esc(c.contactId) + '</div>', esc(c.email), esc(c.phone),
      c.tags.map((t) => badge(t)).join(' '), esc(c.consent),
      esc(c.stats.orderCount) + ' order(s), ' + esc(c.stats.totalSpent) + ' spent' +
        (c.stats.lastOrderAt ? '<div class="muted">last order ' + esc(time(c.stats.lastOrderAt)) + '</div>' : ''),
    ])), 'no contact yet');

  const repName = (id) => {
    const rep = ((data.reps || {}).reps || []).find((r) => r.id === id);
    return rep ? rep.name : id;
  };
  const renderLeads = () => table(['Submitted', 'Lead', 'Owner', 'Score', 'Status', 'History'],
    (data.leads || []).map((l) => row([
      '<span class="mono">' + esc(time(l.submittedAt)) + '</span>',
      esc(l.name) + (l.company ? ' <span class="muted">' + esc(l.company) + '</span>' : '') +
        '<div>' + esc(l.email || l.phone) + '</div><div class="muted mono">' + esc(l.leadId) + '</div>',
      l.owner ? esc(l.owner.name || l.owner.repId) + '<div class="muted">' + esc(l.rule) + '</div>' : '<span class="why">no owner</span>',
      (l.grade ? badge(l.grade) + ' ' + esc(l.score) : '') + '<div class="muted">' +
        l.fired.map((f) => esc(f.ruleId) + ' ' + (f.points > 0 ? '+' : '') + esc(f.points)).join(', ') + '</div>',
      badge(l.status),
      '<ol class="hist">' + l.history.map((h) => '<li><span class="mono">' + esc(time(h.at)) + '</span> ' + esc(h.what) +
        (h.repId ? ' ' + esc(repName(h.repId)) : '') + (h.rule ? ' (' + esc(h.rule) + ')' : '') +
        (h.reason ? ': <span class="why">' + esc(h.reason) + '</span>' : '') + '</li>').join('') + '</ol>',
    ], ' data-lead="' + esc(l.leadId) + '"')), 'no lead yet');

  const DAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const list = (items) => esc((items || []).join(', '));
  const renderReps = () => {
    const v = data.reps;
    if (!v) return empty();
    return (v.violations.length > 0 ? '<p class="why">' + v.violations.map(esc).join('<br>') + '</p>' : '') +
      table(['Rep', 'Duty', 'Open / capacity', 'Territory', 'Skills', 'Hours', 'Manager'], v.reps.map((r) => row([
        esc(r.name) + (r.fallback ? ' ' + badge('fallback') : '') + '<div class="muted mono">' + esc(r.id) + '</div>' +
          '<div class="muted">' + esc(r.email) + '</div>',
        badge(r.onDuty ? 'on duty' : r.outOfOfficeNow ? 'out of office' : 'off duty'),
        esc(r.open) + ' / ' + esc(r.capacity) + (r.open >= r.capacity ? ' ' + badge('full') : ''),
        list(r.territory.countries) + (r.territory.regions ? '<div class="muted">' + list(r.territory.regions) + '</div>' : '') +
          (r.territory.postcodePrefixes ? '<div class="muted">postcodes ' + list(r.territory.postcodePrefixes) + '</div>' : ''),
        list(r.skills.products) + '<div class="muted">' + list(r.skills.languages) + '</div>',
        esc(r.workingHours.days.map((d) => DAYS[d]).join(' ')) + ' ' + esc(r.workingHours.start) + '–' + esc(r.workingHours.end) +
          '<div class="muted">' + esc(r.timezone) + '</div>' +
          (r.outOfOffice ? '<div class="muted">away ' + esc(r.outOfOffice.from) + ' to ' + esc(r.outOfOffice.to) + '</div>' : ''),
        esc(r.managerId ? repName(r.managerId) : '') + (r.id === v.fallbackManagerId ? '<div class="muted">manages the fallback queue</div>' : ''),
      ], ' data-rep="' + esc(r.id) + '"')), 'no rep in the roster');
  };

  const renderSegments = () => {
    const emails = new Map((data.contacts || []).map((c) => [c.contactId, c.email || c.phone || '']));
    return table(['Segment', 'Members', 'Some members'], (data.segments || []).map((s) => row([
      '<span class="mono">' + esc(s.id) + '</span><div class="muted">' + esc(s.description) + '</div>', esc(s.members),
      s.sample.map((id) => esc(emails.get(id) || '') + ' <span class="muted mono">' + esc(id) + '</span>').join('<br>'),
    ], ' data-segment="' + esc(s.id) + '"')), 'no segment deployed');
  };

  const renderPasses = () => table(['Started', 'Journey', 'Segment', 'Status', 'Workers done', 'Scanned', 'Matched',
    'Not local time', 'Held out', 'Admitted'], (data.passes || []).map((p) => row([
      '<span class="mono">' + esc(time(p.startedAt)) + '</span><div class="muted mono">' + esc(p.passId) + '</div>',
      esc(p.journeyId), esc(p.segment),
      badge(p.status) + (p.finishedAt ? '<div class="muted">' + esc(time(p.finishedAt)) + '</div>' : ''),
      esc(p.workersDone) + ' / ' + esc(p.workers), esc(p.totals.scanned), esc(p.totals.matched), esc(p.totals.notLocalTime),
      esc(p.totals.heldOut), esc(p.totals.admitted),
    ], ' data-pass="' + esc(p.passId) + '"')), 'no audience pass yet');

  const eventRows = (events) => events.map((e) => row([
    '<span class="mono">' + esc(time(e.time)) + '</span>', esc(e.source), esc(e.detailType),
    e.unmatched ? '<strong class="why">no rule matched</strong>' : e.matchedRules.map(esc).join('<br>'),
    '<details><summary class="muted">detail</summary>' + json(e.detail) + '</details>',
  ], e.unmatched ? ' class="unmatched"' : ''));
  const renderEvents = () => {
    const v = data.events;
    if (!v) return empty();
    const queues = v.queues.filter((q) => q.kind !== 'queue');
    return '<h3>Recent events</h3>' + table(['Time', 'Source', 'Type', 'Rules matched', ''], eventRows(v.events), 'no event yet') +
      '<h3>Events no rule matched</h3>' + table(['Time', 'Source', 'Type', 'Rules matched', ''], eventRows(v.unmatched), 'none') +
      '<h3>Failed deliveries</h3>' + table(['Time', 'Rule', 'Target', 'Event', 'Error'], v.failedDeliveries.map((f) => row([
        '<span class="mono">' + esc(time(f.at)) + '</span>', esc(f.rule), esc(f.targetArn.split(':').slice(-2).join(':')),
        esc(f.detailType), '<span class="why">' + esc(f.error) + '</span>'])), 'none') +
      queues.map((q) => '<h3>' + esc(q.kind === 'rejected-events' ? 'Rejected events' : 'Dead letters') + ' <small class="muted">' + esc(q.name) + '</small></h3>' +
        table(['Sent', 'Attributes', 'Body'], q.messages.map((m) => row([
          '<span class="mono">' + esc(time(m.sentAt)) + '</span>',
          Object.keys(m.attributes).map((k) => esc(k) + ': <span class="why">' + esc(m.attributes[k]) + '</span>').join('<br>'),
          json(m.body)])), 'empty')).join('') +
      '<h3>Failed schedule invocations</h3>' + table(['Time', 'Schedule', 'Target', 'Error'], v.failedScheduleInvocations.map((f) => row([
        '<span class="mono">' + esc(time(f.at)) + '</span>', esc(f.schedule), esc(f.targetArn), '<span class="why">' + esc(f.error) + '</span>'])), 'none') +
      '<h3>Calls denied by IAM</h3>' + table(['Time', 'Principal', 'Action', 'Resource', 'Why'], (v.deniedCalls || []).map((d) => row([
        '<span class="mono">' + esc(time(d.at)) + '</span>', esc(d.principal), esc(d.action), esc(d.resource), '<span class="why">' + esc(d.reason) + '</span>'])), 'none') +
      '<h3>Executions the previous process left running</h3>' + table(['Started', 'State machine', 'Execution', 'At this start', 'Input'], (v.restartedAtStart || []).map((x) => row([
        '<span class="mono">' + esc(time(x.startedAt)) + '</span>', esc(x.stateMachineArn.split(':').pop()), esc(x.executionArn.split(':').pop()),
        x.restarted ? 'started again under its name' : '<span class="why">not started again: its state machine is no longer in the template</span>',
        json(x.input)])), 'none');
  };

  const renderSchedules = () => table(['Next', 'Journey', 'Run', 'Step', 'Schedule', 'Expression'],
    (data.schedules || []).map((s) => row([
      '<span class="mono">' + esc(time(s.nextAt)) + '</span>', esc(s.journey), '<span class="mono">' + esc(s.runKey) + '</span>',
      esc(s.stepId) + (s.via ? ' <span class="muted">(' + esc(s.via) + ')</span>' : ''),
      '<span class="mono">' + esc(s.group) + '/' + esc(s.name) + '</span>', '<span class="mono">' + esc(s.expression) + '</span>',
    ])), 'no pending schedule');

  const dims = (d) => Object.entries(d).map(([k, v]) => esc(k) + '=' + esc(v)).join(' ');
  const renderMetrics = () => table(['Metric', 'Dimensions', 'Sum', 'Count', 'Min', 'Max', 'Unit', 'Last'],
    (data.metrics || []).map((m) => row([
      esc(m.namespace) + '/<b>' + esc(m.metricName) + '</b>', '<span class="mono">' + dims(m.dimensions) + '</span>',
      esc(m.sum), esc(m.count), esc(m.min), esc(m.max), esc(m.unit), '<span class="mono">' + esc(time(m.lastAt)) + '</span>',
    ])), 'no metric yet');

  const RENDER = { journeys: renderJourneys, preview: renderPreviewForm, outbox: renderOutbox, decisions: renderDecisions, runs: renderRuns, executions: renderExecutions,
    contacts: renderContacts, leads: renderLeads, reps: renderReps, segments: renderSegments, passes: renderPasses,
    events: renderEvents, schedules: renderSchedules, metrics: renderMetrics };

  const renderStatus = () => {
    const s = data.status;
    if (!s) return;
    document.getElementById('clock').textContent = time(s.clock);
    document.getElementById('mode').textContent = s.mode === 'virtual' ? 'virtual clock' : s.scale + '× real time';
    const c = s.counts;
    const counts = { journeys: (data.journeys || []).length, outbox: c.emails + c.sms + (c.phone || 0), executions: c.executions, schedules: c.schedules,
      events: c.events, decisions: (data.ledger || []).length, runs: (data.runs || []).length, contacts: (data.contacts || []).length,
      leads: (data.leads || []).length, reps: data.reps ? data.reps.reps.length : 0, segments: (data.segments || []).length,
      passes: (data.passes || []).length, metrics: (data.metrics || []).length };
    for (const id of Object.keys(counts)) {
      const el = document.querySelector('[data-count="' + id + '"]');
      if (el) el.textContent = String(counts[id]);
    }
    const problems = c.unmatchedEvents + c.failedDeliveries + c.deadLetters + c.rejectedEvents + c.failedScheduleInvocations + (c.deniedCalls || 0) + (c.notRestarted || 0);
    document.getElementById('problems').textContent = problems > 0 ? problems + ' to look at in Events' : '';
    // Whether cdk deploy would accept the templates: validated once the runtime is ready.
    const t = s.templates;
    const deploy = document.getElementById('deployable');
    deploy.textContent = t ? 'templates ' + t.state + (t.state === 'deployable' ? '' : ': ' + t.detail) : '';
    deploy.title = t ? t.findings.map((f) => f.severity + ' ' + f.rule + ': ' + f.description + ' (' + f.resources.join(', ') + ')').join('\n') : '';
    deploy.className = t && t.state === 'not deployable' ? 'why' : 'muted';
  };

  const setError = (text) => { document.getElementById('error').textContent = text; };

  async function refresh() {
    try {
      const texts = await Promise.all(VIEWS.map((view) => fetch('/_relance/' + view, { cache: 'no-store' }).then((r) => {
        if (!r.ok) throw new Error('/_relance/' + view + ' answered ' + r.status);
        return r.text();
      })));
      const changed = new Set();
      VIEWS.forEach((view, i) => {
        if (texts[i] === lastText[view]) return;
        lastText[view] = texts[i];
        data[view] = JSON.parse(texts[i]);
        changed.add(view);
      });
      // Redraw only what changed: an open message keeps its frame, a scrolled table its place.
      for (const id of Object.keys(SECTIONS)) {
        if (SECTIONS[id].some((view) => changed.has(view))) document.getElementById('view-' + id).innerHTML = RENDER[id]();
      }
      renderStatus();
      setError('');
    } catch (error) {
      setError('refresh failed: ' + (error && error.message ? error.message : String(error)));
    } finally {
      setTimeout(refresh, 2000);
    }
  }
  refresh();
})();
`;

/** The page; `clock` is shown until the first refresh replaces it. */
export function renderDashboardPage(options: { clock: string; mode: string }): string {
  const nav = SECTIONS.map(
    (s) => `<a href="#${s.id}">${escapeHtml(s.title)} <span data-count="${s.id}"></span></a>`,
  ).join('');
  const sections = SECTIONS.map(
    (s) =>
      `<section id="${s.id}"><h2>${escapeHtml(s.title)}<small>${escapeHtml(s.hint)}</small></h2>` +
      `<div id="view-${s.id}"><p class="empty">loading…</p></div></section>`,
  ).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>relance local</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>relance local</h1>
  <span>journey time <span id="clock" class="clock">${escapeHtml(options.clock.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z'))}</span></span>
  <span id="mode" class="muted">${escapeHtml(options.mode)}</span>
  <span id="problems" class="why"></span>
  <span id="deployable" class="muted"></span>
  <span id="error"></span>
  <nav>${nav}</nav>
</header>
<main>
<noscript><p>This page draws its data with JavaScript; the same data is at /_relance/status, /_relance/outbox…</p></noscript>
${sections}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
