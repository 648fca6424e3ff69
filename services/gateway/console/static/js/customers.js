// Customers: a searchable list (name, email or phone in any format; the search is in the URL) and a profile with
// contacts and the customer's ticket history, newest first, each ticket a link. #/customers?q=…, #/customers/<id>.
import { $, api, element, errorText, formatTime, link, show, t, ticketHref } from "./core.js";

const PAGE = 25;
let list = { q: "", offset: 0, shown: 0 };
let profile = { id: null, offset: 0, shown: 0 };
let generation = 0;  // a page that arrives for a screen no longer shown is dropped

export const customerHref = (id) => `#/customers/${encodeURIComponent(id)}`;

export async function showCustomers(hash) {
  const q = new URLSearchParams(hash.split("?")[1] || "").get("q") || "";
  generation += 1;
  list = { q, offset: 0, shown: generation };
  $("customer-filters").q.value = q;
  $("customer-rows").replaceChildren();
  $("customers-error").textContent = "";
  show("customers-view");
  await loadCustomers();
}

async function loadCustomers() {
  const asked = list.shown;
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(list.offset) });
  if (list.q) params.set("q", list.q);
  let page;
  try {
    page = await api(`/customers?${params}`);
  } catch (error) {
    if (asked === generation) { $("customers-error").textContent = errorText(error); $("customers-more").hidden = true; }
    return;
  }
  if (asked !== generation) return;
  $("customer-rows").append(...page.items.map(customerRow));
  list.offset += page.items.length;
  $("customers-count").textContent = `${page.total} ${t("customers.count")}`;
  $("customers-more").hidden = list.offset >= page.total || !page.items.length;
  $("customers-empty").hidden = $("customer-rows").children.length > 0;
}

function cell(label, content, className) {
  const td = element("td", className);
  td.dataset.label = t(label);
  if (content instanceof Node) td.appendChild(content); else td.textContent = content == null ? "" : content;
  return td;
}

function customerRow(customer) {
  const tr = element("tr");
  const href = customerHref(customer.id);
  tr.append(cell("customers.name", link(href, customer.name || customer.email || customer.phone || `#${customer.id}`, "subject"), "subject"),
    cell("customers.email", customer.email), cell("customers.phone", customer.phone),
    cell("customers.tickets", String(customer.ticket_count)),
    cell("customers.last_contact", formatTime(customer.last_contact_at) || t("customers.never"), "time"));
  tr.addEventListener("click", (event) => { if (!event.target.closest("a")) location.hash = href; });
  return tr;
}

export async function showCustomer(id) {
  generation += 1;
  profile = { id, offset: 0, shown: generation };
  const asked = generation;
  const customer = await api(`/customers/${encodeURIComponent(id)}`);
  if (asked !== generation) return;
  $("customer-name").textContent = customer.name || customer.email || customer.phone || `#${customer.id}`;
  const facts = [[t("customers.email"), customer.email], [t("customers.phone"), customer.phone],
    ...customer.contacts.map((c) => [t(`customers.contact.${c.kind}`), c.value]),
    [t("customers.tickets"), String(customer.ticket_count)],
    [t("customers.last_contact"), formatTime(customer.last_contact_at) || t("customers.never")],
    [t("customers.since"), formatTime(customer.created_at)]].filter(([, value]) => value);
  $("customer-facts").replaceChildren(...facts.flatMap(([label, value]) => [element("dt", "", label), element("dd", "", value)]));
  $("customer-tickets").replaceChildren();
  show("customer-view");
  await loadTickets();
}

async function loadTickets() {
  const asked = profile.shown;
  let page;
  try {
    page = await api(`/customers/${encodeURIComponent(profile.id)}/tickets?limit=${PAGE}&offset=${profile.offset}`);
  } catch (error) {
    if (asked === generation) $("customer-error").textContent = errorText(error);
    return;
  }
  if (asked !== generation) return;
  $("customer-error").textContent = "";
  $("customer-tickets").append(...page.items.map((ticket) => {
    const li = element("li", `priority-${ticket.priority}`);
    li.append(link(ticketHref(ticket.number), `#${ticket.number}`, "number"), " ",
      link(ticketHref(ticket.number), ticket.subject, "subject"), " ",
      element("span", `badge status-${ticket.status}`, t(`status.${ticket.status}`)));
    if (ticket.priority) li.append(" ", element("span", `badge priority-${ticket.priority}`, t(`priority.${ticket.priority}`)));
    const when = ticket.created_at || ticket.updated_at;
    if (when) li.append(" ", element("span", "time", formatTime(when)));
    return li;
  }));
  profile.offset += page.items.length;
  $("customer-tickets-more").hidden = profile.offset >= page.total || !page.items.length;
  $("customer-tickets-empty").hidden = $("customer-tickets").children.length > 0;
}

export function setUpCustomers() {
  $("customer-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    const q = event.target.q.value.trim();
    location.hash = q ? `#/customers?${new URLSearchParams({ q })}` : "#/customers";
  });
  $("customers-more").addEventListener("click", () => loadCustomers());
  $("customer-tickets-more").addEventListener("click", () => loadTickets());
}
