// Keyboard shortcuts, listed in a help overlay on "?": j/k walk the ticket list, Enter opens the chosen ticket,
// r replies and n notes on a ticket, / goes to the search of the list or board. Escape closes an overlay (the
// dialog's own behaviour) and leaves a text field. Keys typed into a field, or with Ctrl, Alt or ⌘, are the
// field's and the browser's, never a shortcut.
import { $ } from "./core.js";

const typing = (target) => target instanceof Element &&
  (target.closest("input, textarea, select, [contenteditable=true]") !== null);
const visible = (id) => !$(id).hidden;

function rows() {
  return [...document.querySelectorAll("#ticket-rows tr")];
}

// The row j/k chose: marked, scrolled to and its subject link focused, so Enter (the link's own) opens it.
function choose(step) {
  const all = rows();
  if (!all.length) return;
  const at = all.findIndex((row) => row.classList.contains("chosen"));
  const next = all[at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step))];
  all.forEach((row) => { row.classList.toggle("chosen", row === next); row.removeAttribute("aria-current"); });
  next.setAttribute("aria-current", "true");
  const target = next.querySelector("a.subject");
  target.focus();
  next.scrollIntoView({ block: "nearest" });
}

function openChosen() {
  const row = rows().find((r) => r.classList.contains("chosen"));
  if (row) location.hash = row.querySelector("a.subject").getAttribute("href");
}

function reply() {
  if (!location.hash.match(/^#\/tickets\/[^/?]+$/)) {  // the reply box is on the conversation tab
    location.hash = location.hash.replace(/\/(notes|history)$/, "");
  }
  const box = $("reply-form").body;
  waitFor(() => visible("panel-thread"), () => { box.focus(); box.scrollIntoView({ block: "nearest" }); });
}

function note() {
  const here = location.hash.match(/^#\/tickets\/([^/?]+)/);
  if (here && !location.hash.endsWith("/notes")) location.hash = `#/tickets/${here[1]}/notes`;
  waitFor(() => visible("panel-notes"), () => $("note-form").body.focus());
}

// The tab switch goes through the router, which loads first: act once its panel is on screen (2 s at most).
function waitFor(ready, act, tries = 40) {
  if (ready()) act();
  else if (tries > 0) setTimeout(() => waitFor(ready, act, tries - 1), 50);
}

function search() {
  const box = visible("board-view") ? $("board-filters").q : visible("list-view") ? $("list-filters").q
    : visible("customers-view") ? $("customer-filters").q : null;
  if (box) { box.focus(); box.select(); }
}

function help() {
  const dialog = $("shortcuts-dialog");
  if (!dialog.open) dialog.showModal();
}

export function setUpShortcuts() {
  $("close-shortcuts").addEventListener("click", () => $("shortcuts-dialog").close());
  $("shortcuts-link").addEventListener("click", help);
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (event.key === "Escape" && typing(event.target) && !event.target.closest("dialog")) { event.target.blur(); return; }
    if (typing(event.target) || document.querySelector("dialog[open]")) return;  // a field's keys; a dialog's own
    const inList = visible("list-view");
    const inTicket = visible("ticket-view");
    const actions = {
      "?": help, "/": search,
      j: inList && (() => choose(1)), k: inList && (() => choose(-1)),
      // a focused link or button does its own Enter
      Enter: inList && (event.target === document.body || event.target.tagName === "TR") && openChosen,
      r: inTicket && reply, n: inTicket && note,
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
}
