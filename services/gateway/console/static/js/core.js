// What every screen of the console shares: the session, the API, the strings, times and small DOM helpers.
// User data is only ever set as textContent, never as HTML.

export const state = {
  token: sessionStorage.getItem("destek.token"), user: null, strings: {},
  language: localStorage.getItem("destek.lang") || "tr", names: {},  // user id → name, as far as we have seen
};
export const TIME_ZONE = "Europe/Istanbul";
export const STATUSES = ["new", "open", "in_progress", "pending", "on_hold", "resolved", "closed"];
export const PRIORITIES = [1, 2, 3, 4];
export const $ = (id) => document.getElementById(id);
export const t = (key) => state.strings[key] || key;
export const locale = () => (state.language === "tr" ? "tr-TR" : "en-GB");

export async function loadStrings() {
  const answer = await fetch(`/console/i18n/${state.language}.json`);
  state.strings = await answer.json();
  document.documentElement.lang = state.language;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  document.querySelectorAll("[data-i18n-label]").forEach((el) => { el.setAttribute("aria-label", t(el.dataset.i18nLabel)); });
}

export function formatTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale(),
    { dateStyle: "medium", timeStyle: "short", timeZone: TIME_ZONE }).format(new Date(iso));
}

export class ApiError extends Error {
  constructor(message, status, field, code) { super(message); this.status = status; this.field = field; this.code = code; }
}

// The API's one error shape, {"error": {"code", "message", "field"}}, as an exception that keeps all of it.
export function failure(answer, body) {
  const error = (body && body.error) || {};
  return new ApiError(error.message || t("error.generic"), answer.status, error.field, error.code);
}

// An error in the console's language: by code and field, then by code, then the API's own (English) words.
export function errorText(error) {
  if (!(error instanceof ApiError)) return t("error.generic");
  const field = error.field ? String(error.field).split(".")[0] : "";
  for (const key of [`error.${error.code}.${field}`, `error.${error.code}`]) {
    if (state.strings[key]) return state.strings[key];
  }
  return error.message;
}

let onSignedOut = () => {};
export const whenSignedOut = (callback) => { onSignedOut = callback; };

export async function api(path, options = {}) {
  const headers = { "Content-Type": "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const answer = await fetch(`/api/v1${path}`, { ...options, headers });
  const body = answer.status === 204 ? null : await answer.json().catch(() => null);
  if (answer.status === 401 && state.token) onSignedOut();  // the session ended (idle or revoked): sign in again
  if (!answer.ok) throw failure(answer, body);
  return body;
}

export const VIEWS = ["login-view", "list-view", "ticket-view", "new-view", "held-view", "settings-view", "board-view", "customers-view", "customer-view"];

export function show(view) {
  VIEWS.forEach((id) => { $(id).hidden = id !== view; });
  $("logout").hidden = view === "login-view";
  document.querySelector("header nav").hidden = view === "login-view";
}

export function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = text;
  return el;
}

// A button that submits no form and does ``onClick``.
export function button(className, text, onClick) {
  const el = element("button", className, text);
  el.type = "button";
  el.addEventListener("click", onClick);
  return el;
}

export function option(value, text, selected) {
  const choice = element("option", "", text);
  choice.value = value;
  choice.selected = selected;
  return choice;
}

export function link(href, text, className) {
  const el = element("a", className, text);
  el.href = href;
  return el;
}

export function formatSize(bytes) {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

export const ticketHref = (number, tab) => `#/tickets/${encodeURIComponent(number)}${tab ? `/${tab}` : ""}`;

// Whom a ticket is assigned to, in words: a user's name when the console has seen it, an AI agent, or nobody.
export function assigneeName(ticket) {
  if (ticket.assignee_ai_agent) return `${ticket.assignee_ai_agent} (${t("assignee.ai")})`;
  if (ticket.assignee && ticket.assignee.name) return ticket.assignee.name;
  if (ticket.assignee_id == null) return t("assignee.nobody");
  return state.names[ticket.assignee_id] || `${t("assignee.user")} ${ticket.assignee_id}`;
}

export function learnName(id, name) {
  if (id != null && name) state.names[id] = name;
}

export const isManager = (user, departmentId) =>
  Boolean(user && (user.is_owner || (departmentId == null
    ? Object.values(user.departments).includes("manager") : user.departments[String(departmentId)] === "manager")));
