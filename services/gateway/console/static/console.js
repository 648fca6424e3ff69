// Destek web console: talks to /api/v1 like any client. User data is only ever
// set as textContent, never as HTML.
"use strict";

const state = { token: sessionStorage.getItem("destek.token"), user: null, strings: {}, language: localStorage.getItem("destek.lang") || "tr" };
const TIME_ZONE = "Europe/Istanbul";
const STATUSES = ["new", "open", "in_progress", "pending", "on_hold", "resolved", "closed"];
const $ = (id) => document.getElementById(id);
const t = (key) => state.strings[key] || key;

async function loadStrings() {
  const answer = await fetch(`/console/i18n/${state.language}.json`);
  state.strings = await answer.json();
  document.documentElement.lang = state.language;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
}

const locale = () => (state.language === "tr" ? "tr-TR" : "en-GB");

function formatTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale(),
    { dateStyle: "medium", timeStyle: "short", timeZone: TIME_ZONE }).format(new Date(iso));
}

class ApiError extends Error {
  constructor(message, status, field) { super(message); this.status = status; this.field = field; }
}

// The API's one error shape, {"error": {"message", "field"}}, as an exception that keeps the status and field.
const failure = (answer, body) => new ApiError((body && body.error && body.error.message) || t("error.generic"),
  answer.status, body && body.error && body.error.field);

async function api(path, options = {}) {
  const headers = { "Content-Type": "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const answer = await fetch(`/api/v1${path}`, { ...options, headers });
  const body = answer.status === 204 ? null : await answer.json().catch(() => null);
  if (answer.status === 401 && state.token) signOut();  // the session ended (idle or revoked): sign in again
  if (!answer.ok) throw failure(answer, body);
  return body;
}

function show(view) {
  ["login-view", "list-view", "ticket-view", "new-view", "held-view", "settings-view"].forEach((id) => { $(id).hidden = id !== view; });
  $("logout").hidden = view === "login-view";
  document.querySelector("header nav").hidden = view === "login-view";
}

// Held mail is for those who can release it: owners and department managers.
function setUser(user) {
  state.user = user;
  $("who").textContent = user ? user.name : "";
  $("held-link").hidden = !(user && (user.is_owner || Object.values(user.departments).includes("manager")));
  $("settings-link").hidden = !(user && user.is_owner);
}

function signOut() {
  state.token = null;
  sessionStorage.removeItem("destek.token");
  setUser(null);
  location.hash = "";
  show("login-view");
}

function cell(row, text) { row.appendChild(element("td", "", text)); }

async function showList() {
  const status = $("status-filter").value;
  const page = await api(`/tickets?limit=100${status ? `&status=${status}` : ""}`);
  const rows = $("ticket-rows");
  rows.replaceChildren();
  for (const ticket of page.items) {
    const row = element("tr");
    [`#${ticket.number}`, ticket.subject, ticket.customer.name || ticket.customer.email, ticket.department.name,
      t(`status.${ticket.status}`), t(`priority.${ticket.priority}`), formatTime(ticket.updated_at)].forEach((v) => cell(row, v));
    row.addEventListener("click", () => { location.hash = `#/tickets/${ticket.number}`; });
    rows.appendChild(row);
  }
  $("list-empty").hidden = page.items.length > 0;
  show("list-view");
}

function formatSize(bytes) {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

// A button that submits no form and does ``onClick``.
function button(className, text, onClick) {
  const el = element("button", className, text);
  el.type = "button";
  el.addEventListener("click", onClick);
  return el;
}

// A customer's mail shows its new part; the whole mail, quoted history included, stays one click away.
function messageBody(message) {
  const fresh = message.direction === "inbound" && message.reply_text ? message.reply_text : message.body_text;
  const parts = [element("div", "body", fresh)];
  if (fresh !== message.body_text && message.body_text) {
    const whole = element("details", "quoted");
    whole.append(element("summary", "", t("ticket.quoted_history")), element("div", "", message.body_text));
    parts.push(whole);
  }
  return parts;
}

const attachmentPath = (number, file) => `/api/v1/tickets/${encodeURIComponent(number)}/attachments/${file.id}`;
const originalPath = (number, message) =>
  `/api/v1/tickets/${encodeURIComponent(number)}/messages/${message.id}/original`;

async function fetchFile(path) {
  const answer = await fetch(path, { headers: { Authorization: `Bearer ${state.token}` } });
  if (!answer.ok) throw failure(answer, await answer.json().catch(() => null));
  return answer.blob();
}

// A link-like button that downloads a file of the API with the user's token.
const downloadButton = (className, label, path, filename) =>
  button(className, label, () => download(path, filename).catch((error) => alert(error.message)));

async function download(path, filename) {
  const url = URL.createObjectURL(await fetchFile(path));
  const link = element("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

const dataUrl = (blob) => new Promise((resolve, reject) => {
  const reader = new FileReader();
  reader.onload = () => resolve(reader.result);
  reader.onerror = () => reject(reader.error);
  reader.readAsDataURL(blob);
});

// The mail as its sender formatted it: the sanitised HTML in a frame where no script runs and nothing loads
// from outside, its inline images (cid:) in place; remote images (tracking pixels among them) only on request.
function htmlView(number, message) {
  if (!message.body_html) return [];
  const view = element("div", "html-view");
  const open = button("link", t("ticket.show_html"), async () => {
    open.hidden = true;
    const page = new DOMParser().parseFromString(message.body_html, "text/html");  // inert: loads nothing
    for (const image of page.querySelectorAll('img[src^="cid:"]')) {
      const id = decodeURIComponent(image.getAttribute("src").slice(4));
      const file = message.attachments.find((f) => f.kept && f.content_id === id);
      image.src = file ? await dataUrl(await fetchFile(attachmentPath(number, file))) : "";
    }
    const remote = page.querySelectorAll("img[data-remote-src]");
    const frame = element("iframe", "mail-html");
    frame.setAttribute("sandbox", "allow-same-origin allow-popups allow-popups-to-escape-sandbox");
    frame.title = t("ticket.show_html");
    frame.addEventListener("load", () => {  // as tall as the mail: its body plus the body's margins
      frame.style.height = `${frame.contentDocument.body.offsetHeight + 32}px`;
    });
    const render = (images) => {
      frame.srcdoc = '<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="' +
        `default-src 'none'; style-src 'unsafe-inline'; img-src ${images}"><base target="_blank">${page.body.outerHTML}`;
    };
    const load = button("link", t("ticket.load_images"), () => {
      load.hidden = true;
      remote.forEach((image) => { image.src = image.dataset.remoteSrc; });
      render("data: http: https:");
    });
    load.hidden = remote.length === 0;
    render("data:");
    view.append(load, frame);
  });
  return [open, view];
}

// Kept files download with the user's token; a file over the size limit is named with why it is missing.
function attachmentList(number, message) {
  if (!message.attachments.length) return [];
  const list = element("ul", "attachments");
  for (const file of message.attachments) {
    const item = element("li");
    const label = `${file.filename} (${formatSize(file.size)})`;
    if (file.kept) {
      item.appendChild(downloadButton("link", label, attachmentPath(number, file), file.filename));
    } else {
      item.className = "not-kept";
      item.textContent = `${label} — ${t("ticket.attachment_not_kept")}`;
      item.title = file.not_kept_reason || "";
    }
    list.appendChild(item);
  }
  return [list];
}

// What reading a mail had to guess (an unknown charset, a broken structure), and the mail as it arrived.
function originalMail(number, message) {
  const parts = [];
  if (message.parse_notes && message.parse_notes.length) {
    const notes = element("details", "parse-notes");
    const list = element("ul");
    message.parse_notes.forEach((note) => list.appendChild(element("li", "", note)));
    notes.append(element("summary", "", t("ticket.parse_notes")), list);
    parts.push(notes);
  }
  if (message.original) {
    parts.push(downloadButton("link original", `${t("ticket.original")} (${formatSize(message.original.size)})`,
      originalPath(number, message), `${number}-${message.id}.eml`));
  }
  return parts;
}

function threadEntry(number, message) {
  const item = element("li", message.direction);
  const who = message.direction === "inbound" ? `${t("ticket.inbound")}: ${message.from_name || message.from_email}` : t("ticket.outbound");
  const delivery = message.delivery_status ? ` · ${t(`ticket.delivery.${message.delivery_status}`)}` : "";
  const automatic = message.is_auto_submitted ? ` · ${t("ticket.automatic")}` : "";
  const replyTo = message.reply_to && message.reply_to !== message.from_email
    ? ` · ${t("ticket.reply_to")}: ${message.reply_to}` : "";
  const copied = message.cc && message.cc.length ? ` · ${t("ticket.cc")}: ${message.cc.join(", ")}` : "";
  item.appendChild(element("div", "meta",
    `${who} · ${formatTime(message.created_at)}${replyTo}${copied}${delivery}${automatic}`));
  if (message.delivery_status === "failed" && message.delivery_error) {
    item.appendChild(element("p", "error", message.delivery_error));
  }
  item.append(...messageBody(message), ...htmlView(number, message), ...attachmentList(number, message),
    ...originalMail(number, message));
  return item;
}

async function showTicket(number) {
  const ticket = await api(`/tickets/${encodeURIComponent(number)}`);
  $("ticket-title").textContent = `#${ticket.number} · ${ticket.subject}`;
  $("ticket-meta").textContent = [ticket.customer.name, ticket.customer.email, ticket.department.name,
    t(`status.${ticket.status}`), t(`priority.${ticket.priority}`)].filter(Boolean).join(" · ");
  $("thread").replaceChildren(...ticket.messages.map((message) => threadEntry(ticket.number, message)));
  $("reply-form").dataset.number = ticket.number;
  show("ticket-view");
  const sla = await api(`/tickets/${encodeURIComponent(number)}/sla`).catch(() => ({ clocks: [] }));
  $("sla").replaceChildren(...sla.clocks.map((clock) => element("p", `sla-${clock.state}`,
    `${t("ticket.sla")} ${t(`sla.${clock.kind}`)}: ${t(`sla.state.${clock.state}`)} (${t("sla.due")} ${formatTime(clock.due_at)})`)));
}

// An agent writes to a customer first: the ticket opens in one of their departments and the message is mailed.
async function showNew() {
  const departments = (await api("/departments")).items
    .filter((d) => state.user.is_owner || String(d.id) in state.user.departments);
  const form = $("new-form");
  form.department_id.replaceChildren(...departments.map((d, i) => option(d.id, `${d.name} <${d.email}>`, i === 0)));
  form.priority.replaceChildren(...[1, 2, 3, 4].map((p) => option(p, t(`priority.${p}`), p === 3)));
  show("new-view");
}

$("new-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  try {
    const ticket = await api("/tickets", { method: "POST", body: JSON.stringify({
      department_id: Number(form.department_id.value), priority: Number(form.priority.value), subject: form.subject.value,
      customer: { name: form.customer_name.value, email: form.customer_email.value }, message: form.message.value }) });
    form.reset();
    $("new-error").textContent = "";
    location.hash = `#/tickets/${ticket.number}`;
  } catch (error) { $("new-error").textContent = error.message; }
});

async function showHeld(notice = "") {
  const held = await api("/held-mail?status=held");
  $("held-rows").replaceChildren(...held.items.map((mail) => {
    const row = element("tr");
    row.title = mail.error || "";
    [formatTime(mail.created_at), mail.from_email, mail.subject, t(`held.reason.${mail.reason}`)].forEach((v) => cell(row, v));
    const action = element("td");
    action.appendChild(button("", t("held.release"), async () => {
      try {
        const result = await api(`/held-mail/${mail.id}/release`, { method: "POST" });
        await showHeld(`${t("held.released")} #${result.ticket_number}`);
      } catch (error) { $("held-notice").textContent = error.message; }
    }));
    row.appendChild(action);
    return row;
  }));
  $("held-empty").hidden = held.items.length > 0;
  $("held-notice").textContent = notice;
  show("held-view");
}

// Owners set where each department's mail is read (IMAP) and sent (SMTP). Passwords are write-only:
// an empty password field keeps the saved one.
const SECURITY = ["tls", "starttls", "none"];
const MAIL_FIELDS = { imap: ["host", "port", "user", "folder", "move_to"], smtp: ["host", "port", "username"] };

function option(value, text, selected) {
  const choice = element("option", "", text);
  choice.value = value;
  choice.selected = selected;
  return choice;
}

async function showSettings() {
  const departments = (await api("/departments")).items;
  const select = $("settings-department");
  const chosen = Number(select.value) || departments[0].id;
  select.replaceChildren(...departments.map((d) => option(d.id, `${d.name} <${d.email}>`, d.id === chosen)));
  fillSettings(await api(`/departments/${chosen}/mail-settings`));
  show("settings-view");
}

function fillSettings(settings, notice = "") {
  const form = $("settings-form");
  form.reset();
  form.dataset.departmentId = settings.department_id;
  form.send_acknowledgement.checked = settings.send_acknowledgement;
  form.imap_enabled.checked = Boolean(settings.imap && settings.imap.enabled);
  for (const [kind, names] of Object.entries(MAIL_FIELDS)) {
    const values = settings[kind] || {};
    for (const name of names) form[`${kind}_${name}`].value = values[name] ?? "";
    form[`${kind}_security`].replaceChildren(...SECURITY.map((s) =>
      option(s, t(`settings.security.${s}`), s === (values.security || (kind === "imap" ? "tls" : "starttls")))));
    form[`${kind}_password`].placeholder = values.password_set ? t("settings.password_set") : "";
  }
  form.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
  $("settings-notice").textContent = notice;
  $("settings-error").textContent = "";
}

function mailSection(form, kind) {
  const values = { security: form[`${kind}_security`].value };
  for (const name of MAIL_FIELDS[kind]) {
    const text = form[`${kind}_${name}`].value.trim();
    values[name] = text === "" ? null : name === "port" ? Number(text) : text;
  }
  if (form[`${kind}_password`].value) values.password = form[`${kind}_password`].value;
  return values;
}

$("settings-department").addEventListener("change", () => showSettings().catch((error) => alert(error.message)));

$("settings-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const imap = { enabled: form.imap_enabled.checked, ...mailSection(form, "imap") };
  const smtp = mailSection(form, "smtp");
  try {
    const saved = await api(`/departments/${form.dataset.departmentId}/mail-settings`, { method: "PUT", body: JSON.stringify({
      send_acknowledgement: form.send_acknowledgement.checked,
      imap: imap.host || imap.enabled ? imap : null, smtp: smtp.host ? smtp : null }) });
    fillSettings(saved, t("settings.saved"));
  } catch (error) {
    $("settings-notice").textContent = "";
    $("settings-error").textContent = error.message;
    const input = error.field && form.elements.namedItem(error.field.replace(".", "_"));
    if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
  }
});

async function route() {
  if (!state.token) { show("login-view"); return; }
  const match = location.hash.match(/^#\/tickets\/(.+)$/);
  try {
    if (!state.user) setUser(await api("/auth/me"));
    if (match) await showTicket(decodeURIComponent(match[1]));
    else if (location.hash === "#/held-mail") await showHeld();
    else if (location.hash === "#/new") await showNew();
    else if (location.hash === "#/mail-settings") await showSettings();
    else await showList();
  } catch (error) { if (error.status !== 401) alert(error.message); }  // 401: the sign-in page is shown
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const session = await api("/auth/login", { method: "POST", body: JSON.stringify({ email: form.get("email"), password: form.get("password") }) });
    state.token = session.token;
    sessionStorage.setItem("destek.token", session.token);
    setUser(session.user);
    $("login-error").textContent = "";
    route();
  } catch (error) {
    const known = { 401: "login.failed", 423: "login.locked" }[error.status];
    $("login-error").textContent = known ? t(known) : error.message;
  }
});

// A chosen file as the API takes it: {"filename", "content_type", "content_base64"}.
async function upload(file) {
  const url = await dataUrl(file);
  return { filename: file.name, content_type: file.type || "application/octet-stream",
    content_base64: url.slice(url.indexOf(",") + 1) };
}

$("reply-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const number = event.target.dataset.number;
  try {
    const attachments = await Promise.all([...event.target.files.files].map(upload));
    const reply = { body: event.target.body.value, ...(attachments.length ? { attachments } : {}) };
    await api(`/tickets/${encodeURIComponent(number)}/replies`, { method: "POST", body: JSON.stringify(reply) });
    event.target.reset();
    $("reply-error").textContent = "";
    showTicket(number);
  } catch (error) { $("reply-error").textContent = error.message; }
});

$("logout").addEventListener("click", () => {
  const token = state.token;
  signOut();  // at once: a page closed before the server answers must not keep the token
  fetch("/api/v1/auth/logout", { method: "POST", keepalive: true, headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
});
$("status-filter").addEventListener("change", showList);
$("language").addEventListener("click", async () => {
  state.language = state.language === "tr" ? "en" : "tr";
  localStorage.setItem("destek.lang", state.language);
  await loadStrings(); fillStatusFilter(); route();
});
window.addEventListener("hashchange", route);

function fillStatusFilter() {
  const select = $("status-filter");
  select.replaceChildren(select.options[0]);
  select.options[0].textContent = t("tickets.filter_status");
  select.append(...STATUSES.map((status) => option(status, t(`status.${status}`), false)));
}

loadStrings().then(() => { fillStatusFilter(); route(); });
