// Ticket lists: a view (open, mine, unassigned, waiting on the customer, archive, all), a search, filters, a sort
// and "more" pages by the API's next_cursor. The URL's hash holds all but the pages, so a reload or a shared link
// shows the same list; every row links to its ticket, so it opens in a new tab and is reached by keyboard.
import {
  $, api, assigneeName, element, errorText, formatTime, link, locale, option, PRIORITIES, show, state, STATUSES, t, ticketHref,
} from "./core.js";

const ACTIVE = "new,open,in_progress,on_hold";
const NOT_CLOSED = "new,open,in_progress,pending,on_hold,resolved";
export const LIST_VIEWS = {
  open: { status: ACTIVE }, mine: { status: NOT_CLOSED, assignee: "mine" },
  unassigned: { status: NOT_CLOSED, assignee: "unassigned" }, pending: { status: "pending" },
  closed: { status: "closed" }, all: {},
};
const FILTERS = ["q", "status", "priority", "department_id", "assignee", "sort"];
const SORTS = ["-updated", "updated", "-created", "created", "priority", "-priority"];
const PAGE = 25;

// The list a hash like #/tickets?view=pending&q=istanbul&sort=-created asks for.
export function listRequest(hash) {
  const params = new URLSearchParams(hash.split("?")[1] || "");
  const view = LIST_VIEWS[params.get("view")] ? params.get("view") : "open";
  const chosen = Object.fromEntries(FILTERS.filter((name) => params.get(name)).map((name) => [name, params.get(name)]));
  return { view, chosen };
}

export function listHash(view, chosen) {
  const params = new URLSearchParams({ view });
  FILTERS.forEach((name) => { if (chosen[name]) params.set(name, chosen[name]); });
  return `#/tickets?${params}`;
}

function apiQuery(view, chosen, cursor) {
  const params = new URLSearchParams({ ...LIST_VIEWS[view], limit: String(PAGE) });
  FILTERS.forEach((name) => { if (chosen[name]) params.set(name, chosen[name]); });
  if (cursor) params.set("cursor", cursor);
  return `/tickets?${params}`;
}

let current = { view: "open", chosen: {}, cursor: null, shown: 0 };
let generation = 0;  // which list is on screen: a page that arrives for an earlier one is dropped

export async function showList(hash) {
  const { view, chosen } = listRequest(hash);
  generation += 1;
  current = { view, chosen, cursor: null, shown: generation };
  fillControls(view, chosen);
  $("ticket-rows").replaceChildren();
  $("list-error").textContent = "";
  show("list-view");
  await loadPage();
}

async function loadPage() {
  const more = $("more");
  more.disabled = true;
  const asked = current.shown;
  let page;
  try {
    page = await api(apiQuery(current.view, current.chosen, current.cursor));
  } catch (error) {
    if (asked !== generation) return;
    $("list-error").textContent = errorText(error);
    more.hidden = true;
    return;
  }
  if (asked !== generation) return;
  $("ticket-rows").append(...page.items.map(row));
  if (!current.cursor) {
    $("list-count").textContent = page.total == null ? "" :
      `${page.total_is_exact ? "" : "~"}${page.total} ${t("tickets.count")}`;
  }
  current.cursor = page.next_cursor;
  more.hidden = !page.next_cursor;
  more.disabled = false;
  $("list-empty").hidden = $("ticket-rows").children.length > 0;
}

function cell(label, content, className) {
  const td = element("td", className);
  td.dataset.label = t(label);
  if (content instanceof Node) td.appendChild(content); else td.textContent = content;
  return td;
}

// A row whose number and subject are links; a click anywhere else in it opens the ticket too.
function row(ticket) {
  const tr = element("tr", `priority-${ticket.priority} status-${ticket.status}`);
  const href = ticketHref(ticket.number);
  const customer = ticket.customer.name || ticket.customer.email || ticket.customer.phone || "";
  tr.append(
    cell("tickets.number", link(href, `#${ticket.number}`, "number"), "number"),
    cell("tickets.subject", link(href, ticket.subject, "subject"), "subject"),
    cell("tickets.customer", customer), cell("tickets.department", ticket.department.name),
    cell("tickets.assignee", assigneeName(ticket)),
    cell("tickets.status", element("span", `badge status-${ticket.status}`, t(`status.${ticket.status}`))),
    cell("tickets.priority", element("span", `badge priority-${ticket.priority}`, t(`priority.${ticket.priority}`))),
    cell("tickets.created", formatTime(ticket.created_at), "time"),
    cell("tickets.updated", formatTime(ticket.updated_at), "time"));
  tr.addEventListener("click", (event) => {
    if (event.target.closest("a")) return;  // the link does it (and a middle click opens a tab)
    location.hash = href;
  });
  return tr;
}

function fillSelect(select, first, choices, value) {
  select.replaceChildren(option("", t(first), !value), ...choices.map(([v, text]) => option(v, text, String(v) === value)));
}

function departmentsOf(user) {
  return (state.departments || []).filter((d) => user.is_owner || String(d.id) in user.departments);
}

function fillControls(view, chosen) {
  document.querySelectorAll("#list-views a").forEach((a) => {
    const here = a.dataset.view === view;
    a.href = listHash(a.dataset.view, {});
    a.classList.toggle("current", here);
    if (here) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  });
  const form = $("list-filters");
  form.q.value = chosen.q || "";
  fillSelect(form.status, "tickets.filter_status", STATUSES.map((s) => [s, t(`status.${s}`)]), chosen.status);
  fillSelect(form.priority, "tickets.filter_priority", PRIORITIES.map((p) => [p, t(`priority.${p}`)]), chosen.priority);
  fillSelect(form.department_id, "tickets.filter_department",
    departmentsOf(state.user).map((d) => [d.id, d.name]), chosen.department_id);
  const people = Object.entries(state.names).filter(([id]) => Number(id) !== state.user.id)
    .map(([id, name]) => [id, name]).sort((a, b) => a[1].localeCompare(b[1], locale()));
  fillSelect(form.assignee, "tickets.filter_assignee", [["mine", t("assignee.mine")],
    ["unassigned", t("assignee.nobody")], ["ai", t("assignee.ai")], ...people], chosen.assignee);
  form.sort.replaceChildren(...SORTS.map((s) => option(s, t(`sort.${s}`), s === (chosen.sort || "-updated"))));
}

function readControls() {
  const form = $("list-filters");
  const chosen = {};
  FILTERS.forEach((name) => { const value = form[name].value.trim(); if (value) chosen[name] = value; });
  if (chosen.sort === "-updated") delete chosen.sort;
  return chosen;
}

export function setUpLists() {
  const form = $("list-filters");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = listHash(current.view, readControls());
  });
  form.querySelectorAll("select").forEach((select) => select.addEventListener("change", () => {
    location.hash = listHash(current.view, readControls());
  }));
  $("more").addEventListener("click", () => loadPage());
}
