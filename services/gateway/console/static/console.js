// Destek web console: talks to /api/v1 like any client. User data is only ever
// set as textContent, never as HTML.
"use strict";

const state = { token: sessionStorage.getItem("destek.token"), strings: {}, language: localStorage.getItem("destek.lang") || "tr" };
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

function formatTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(state.language === "tr" ? "tr-TR" : "en-GB",
    { dateStyle: "medium", timeStyle: "short", timeZone: TIME_ZONE }).format(new Date(iso));
}

async function api(path, options = {}) {
  const headers = { "Content-Type": "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const answer = await fetch(`/api/v1${path}`, { ...options, headers });
  if (answer.status === 401) { signOut(); throw new Error(t("error.generic")); }
  const body = answer.status === 204 ? null : await answer.json();
  if (!answer.ok) throw new Error((body && body.error && body.error.message) || t("error.generic"));
  return body;
}

function show(view) {
  ["login-view", "list-view", "ticket-view"].forEach((id) => { $(id).hidden = id !== view; });
  $("logout").hidden = view === "login-view";
}

function signOut() {
  state.token = null;
  sessionStorage.removeItem("destek.token");
  $("who").textContent = "";
  location.hash = "";
  show("login-view");
}

function cell(row, text) { const td = document.createElement("td"); td.textContent = text; row.appendChild(td); }

async function showList() {
  const status = $("status-filter").value;
  const page = await api(`/tickets?limit=100${status ? `&status=${status}` : ""}`);
  const rows = $("ticket-rows");
  rows.replaceChildren();
  for (const ticket of page.items) {
    const row = document.createElement("tr");
    [`#${ticket.number}`, ticket.subject, ticket.customer.name || ticket.customer.email, ticket.department.name,
      t(`status.${ticket.status}`), t(`priority.${ticket.priority}`), formatTime(ticket.updated_at)].forEach((v) => cell(row, v));
    row.addEventListener("click", () => { location.hash = `#/tickets/${ticket.number}`; });
    rows.appendChild(row);
  }
  $("list-empty").hidden = page.items.length > 0;
  show("list-view");
}

function threadEntry(message) {
  const item = document.createElement("li");
  item.className = message.direction;
  const meta = document.createElement("div");
  meta.className = "meta";
  const who = message.direction === "inbound" ? `${t("ticket.inbound")}: ${message.from_name || message.from_email}` : t("ticket.outbound");
  const delivery = message.delivery_status ? ` · ${t(`ticket.delivery.${message.delivery_status}`)}` : "";
  meta.textContent = `${who} · ${formatTime(message.created_at)}${delivery}`;
  const body = document.createElement("div");
  body.textContent = message.body_text;
  item.append(meta, body);
  return item;
}

async function showTicket(number) {
  const ticket = await api(`/tickets/${encodeURIComponent(number)}`);
  $("ticket-title").textContent = `#${ticket.number} · ${ticket.subject}`;
  $("ticket-meta").textContent = [ticket.customer.name, ticket.customer.email, ticket.department.name,
    t(`status.${ticket.status}`), t(`priority.${ticket.priority}`)].filter(Boolean).join(" · ");
  $("thread").replaceChildren(...ticket.messages.map(threadEntry));
  $("reply-form").dataset.number = ticket.number;
  show("ticket-view");
  const sla = await api(`/tickets/${encodeURIComponent(number)}/sla`).catch(() => ({ clocks: [] }));
  $("sla").replaceChildren(...sla.clocks.map((clock) => {
    const line = document.createElement("p");
    line.className = `sla-${clock.state}`;
    line.textContent = `${t("ticket.sla")} ${t(`sla.${clock.kind}`)}: ${t(`sla.state.${clock.state}`)} (${t("sla.due")} ${formatTime(clock.due_at)})`;
    return line;
  }));
}

async function route() {
  if (!state.token) { show("login-view"); return; }
  const match = location.hash.match(/^#\/tickets\/(.+)$/);
  try {
    if (match) await showTicket(decodeURIComponent(match[1])); else await showList();
  } catch (error) { alert(error.message); }
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const session = await api("/auth/login", { method: "POST", body: JSON.stringify({ email: form.get("email"), password: form.get("password") }) });
    state.token = session.token;
    sessionStorage.setItem("destek.token", session.token);
    $("who").textContent = session.user.name;
    $("login-error").textContent = "";
    route();
  } catch (error) { $("login-error").textContent = error.message; }
});

$("reply-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const number = event.target.dataset.number;
  try {
    await api(`/tickets/${encodeURIComponent(number)}/replies`, { method: "POST", body: JSON.stringify({ body: event.target.body.value }) });
    event.target.reset();
    $("reply-error").textContent = "";
    showTicket(number);
  } catch (error) { $("reply-error").textContent = error.message; }
});

$("logout").addEventListener("click", async () => { await api("/auth/logout", { method: "POST" }).catch(() => {}); signOut(); });
$("back").addEventListener("click", (event) => { event.preventDefault(); location.hash = ""; });
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
  for (const status of STATUSES) {
    const option = document.createElement("option");
    option.value = status; option.textContent = t(`status.${status}`);
    select.appendChild(option);
  }
}

loadStrings().then(() => { fillStatusFilter(); route(); });
