// One ticket: its fields (status, priority, assignee) changed in place, close, reopen and delete; tabs for the
// conversation, the team's internal notes and the change history. #/tickets/<number>[/notes|/history].
import {
  $, api, button, element, errorText, formatTime, isManager, learnName, option, PRIORITIES, show,
  state, STATUSES, t, ticketHref,
} from "./core.js";
import { threadEntry, upload } from "./thread.js";

export const TABS = ["thread", "notes", "history"];
let shown = null;  // the ticket on screen

const path = (number, rest = "") => `/tickets/${encodeURIComponent(number)}${rest}`;

export async function showTicket(number, tab = "thread") {
  const ticket = await api(path(number));
  if (!decodeURIComponent(location.hash).startsWith(`#/tickets/${number}`)) return;  // the user went elsewhere meanwhile
  shown = ticket;
  if (ticket.assignee) learnName(ticket.assignee.id, ticket.assignee.name);
  $("ticket-title").textContent = `#${ticket.number} · ${ticket.subject}`;
  $("ticket-meta").textContent = [ticket.customer.name, ticket.customer.email, ticket.customer.phone,
    ticket.department.name, `${t("tickets.created")} ${formatTime(ticket.created_at)}`].filter(Boolean).join(" · ");
  $("thread").replaceChildren(...ticket.messages.map((message) => threadEntry(ticket.number, message)));
  $("reply-form").dataset.number = ticket.number;
  await fillFields(ticket);
  selectTab(ticket.number, tab);
  show("ticket-view");
  if (tab === "notes") await showNotes(ticket.number);
  if (tab === "history") await showHistory(ticket.number);
  const sla = await api(path(number, "/sla")).catch(() => ({ clocks: [] }));
  $("sla").replaceChildren(...sla.clocks.map((clock) => element("p", `sla-${clock.state}`,
    `${t("ticket.sla")} ${t(`sla.${clock.kind}`)}: ${t(`sla.state.${clock.state}`)} (${t("sla.due")} ${formatTime(clock.due_at)})`)));
}

function selectTab(number, tab) {
  for (const name of TABS) {
    const here = name === tab;
    const tabLink = $(`tab-${name}`);
    tabLink.href = ticketHref(number, name === "thread" ? "" : name);
    tabLink.setAttribute("aria-selected", String(here));
    tabLink.classList.toggle("current", here);
    $(`panel-${name}`).hidden = !here;
  }
}

// Owners choose among the department's people; others among nobody, themselves and whoever has it now
// (no RPC yet tells a manager who else is in the department).
async function assigneeChoices(ticket) {
  const choices = new Map([["", t("assignee.nobody")], [String(state.user.id), `${state.user.name} (${t("assignee.me")})`]]);
  if (ticket.assignee) choices.set(String(ticket.assignee.id), ticket.assignee.name);
  if (state.user.is_owner) {
    const users = state.users || (state.users = (await api("/users").catch(() => ({ items: [] }))).items);
    users.filter((u) => u.is_active !== false && String(ticket.department.id) in u.departments)
      .forEach((u) => { learnName(u.id, u.name); if (!choices.has(String(u.id))) choices.set(String(u.id), u.name); });
  }
  return [...choices.entries()];
}

async function fillFields(ticket) {
  const status = $("field-status");
  status.replaceChildren(...STATUSES.map((s) => option(s, t(`status.${s}`), s === ticket.status)));
  const priority = $("field-priority");
  priority.replaceChildren(...PRIORITIES.map((p) => option(p, t(`priority.${p}`), p === ticket.priority)));
  const assignee = $("field-assignee");
  const current = ticket.assignee_id == null ? "" : String(ticket.assignee_id);
  assignee.replaceChildren(...(await assigneeChoices(ticket)).map(([id, name]) => option(id, name, id === current)));
  const manages = isManager(state.user, ticket.department.id);
  assignee.disabled = !manages;
  assignee.title = manages ? "" : t("ticket.assign_managers_only");
  $("close-ticket").hidden = ticket.status === "closed";
  $("reopen-ticket").hidden = ticket.status !== "closed";
  $("delete-ticket").hidden = !manages;
  document.querySelectorAll("#ticket-fields .field-error").forEach((p) => { p.textContent = ""; });
  document.querySelectorAll("#ticket-fields [aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
}

// One change, sent at once; a refusal is shown next to the field it names, in the console's language.
async function change(changes, fieldName) {
  const notice = $("fields-notice");
  notice.textContent = "";
  try {
    const ticket = await api(path(shown.number), { method: "PATCH", body: JSON.stringify(changes) });
    await showTicket(ticket.number, currentTab());
    $("fields-notice").textContent = t("ticket.saved");
  } catch (error) {
    const field = ["status", "priority", "assignee_id"].includes(error.field) ? error.field : fieldName;
    const input = $(`field-${field.replace("_id", "")}`);
    await fillFields(shown);  // back to what the ticket really has
    $(`${field}-error`).textContent = errorText(error);
    if (input) input.setAttribute("aria-invalid", "true");
  }
}

// Deleting anything (the ticket, a note) asks first, in a dialog whose button says what it does: "Evet, Sil".
let deleting = async () => {};

function askToDelete(question, action) {
  $("delete-question").textContent = question;
  $("delete-error").textContent = "";
  deleting = action;
  $("delete-dialog").showModal();
}

const currentTab = () => TABS.find((name) => !$(`panel-${name}`).hidden) || "thread";

async function showNotes(number) {
  const notes = await api(path(number, "/notes"));
  $("notes").replaceChildren(...notes.items.map((note) => noteEntry(number, note)));
  $("notes-empty").hidden = notes.items.length > 0;
}

function noteEntry(number, note) {
  learnName(note.author.id, note.author.name);
  const item = element("li", "note");
  item.dataset.noteId = note.id;
  const edited = note.edited ? ` · ${t("notes.edited")} ${formatTime(note.updated_at)}` : "";
  const body = element("div", "body", note.body);
  const error = element("p", "error");
  error.setAttribute("role", "alert");
  const actions = element("div", "actions");
  actions.append(button("link edit", t("notes.edit"), () => editNote(number, note, item, body, actions, error)),
    button("link delete", t("notes.delete"), () => askToDelete(t("notes.confirm_delete"), async () => {
      await api(path(number, `/notes/${note.id}`), { method: "DELETE" });
      await showNotes(number);
    })));
  item.append(element("div", "meta", `${note.author.name} · ${formatTime(note.created_at)}${edited}`), body, actions, error);
  return item;
}

function editNote(number, note, item, body, actions, error) {
  const editor = element("textarea");
  editor.name = "body";
  editor.rows = 3;
  editor.value = note.body;
  editor.setAttribute("aria-label", t("notes.edit"));
  const save = button("save", t("notes.save"), async () => {
    try {
      await api(path(number, `/notes/${note.id}`), { method: "PATCH", body: JSON.stringify({ body: editor.value }) });
      await showNotes(number);
    } catch (failure) { error.textContent = errorText(failure); }
  });
  const cancel = button("link", t("notes.cancel"), () => showNotes(number));
  body.replaceWith(editor);
  actions.replaceChildren(save, cancel);
  editor.focus();
}

const HISTORY_VALUES = { status: (v) => t(`status.${v}`), priority: (v) => t(`priority.${v}`) };

async function showHistory(number) {
  const history = await api(path(number, "/history"));
  const items = [...history.items].reverse();  // newest first, as the notes
  $("history").replaceChildren(...items.map((entry) => {
    learnName(entry.actor, entry.actor_name);
    const say = HISTORY_VALUES[entry.field] || ((v) => (v === null || v === undefined || v === "" ? "—" : String(v)));
    const label = state.strings[`field.${entry.field}`] || entry.field;
    const item = element("li");
    item.append(element("div", "meta", `${formatTime(entry.at)} · ${entry.actor_name || t("history.system")}`),
      element("div", "", `${label}: ${entry.old == null ? "—" : say(entry.old)} → ${entry.new == null ? "—" : say(entry.new)}`));
    return item;
  }));
  $("history-empty").hidden = items.length > 0;
}

export function setUpTicket(goToList) {
  $("field-status").addEventListener("change", (e) => change({ status: e.target.value }, "status"));
  $("field-priority").addEventListener("change", (e) => change({ priority: Number(e.target.value) }, "priority"));
  $("field-assignee").addEventListener("change", (e) =>
    change({ assignee_id: e.target.value ? Number(e.target.value) : null }, "assignee_id"));
  $("close-ticket").addEventListener("click", () => change({ status: "closed" }, "status"));
  $("reopen-ticket").addEventListener("click", () => change({ status: "open" }, "status"));
  $("delete-ticket").addEventListener("click", () => askToDelete(t("ticket.delete_question"), async () => {
    await api(path(shown.number), { method: "DELETE" });
    goToList(`${t("ticket.deleted")} #${shown.number}`);
  }));
  $("cancel-delete").addEventListener("click", () => $("delete-dialog").close());
  $("confirm-delete").addEventListener("click", async () => {
    try {
      await deleting();
      $("delete-dialog").close();
    } catch (error) { $("delete-error").textContent = errorText(error); }
  });
  $("jump-to-reply").addEventListener("click", () => {
    $("reply-form").scrollIntoView({ block: "end" });
    $("reply-form").body.focus();
  });
  $("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    try {
      await api(path(shown.number, "/notes"), { method: "POST", body: JSON.stringify({ body: form.body.value }) });
      form.reset();
      $("note-error").textContent = "";
      await showNotes(shown.number);
    } catch (error) { $("note-error").textContent = errorText(error); }
  });
  $("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const number = event.target.dataset.number;
    try {
      const attachments = await Promise.all([...event.target.files.files].map(upload));
      const reply = { body: event.target.body.value, ...(attachments.length ? { attachments } : {}) };
      await api(path(number, "/replies"), { method: "POST", body: JSON.stringify(reply) });
      event.target.reset();
      $("reply-error").textContent = "";
      showTicket(number);
    } catch (error) { $("reply-error").textContent = errorText(error); }
  });
}

