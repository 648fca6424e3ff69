// The Kanban board of a pipeline: a column per stage, a card per ticket. A card moves by HTML5 drag and drop,
// from the keyboard (focus it, then ← or →) or by its "move to" menu, which also lists the other pipelines'
// stages: the API refuses a stage of a pipeline of the other type, and the console says why in its language.
// The pipeline, the search and the stage filter are in the URL's hash (#/board/2?q=kargo&stage=5).
import { $, api, assigneeName, element, errorText, link, locale, option, show, t, ticketHref } from "./core.js";

let pipelines = [];
let current = { pipeline: null, q: "", stage: "" };
let board = null;
let generation = 0;  // a board that arrives for a pipeline no longer on screen is dropped

export function boardRequest(hash) {
  const [path, query] = hash.split("?");
  const params = new URLSearchParams(query || "");
  const id = (path.match(/^#\/board\/(\d+)$/) || [])[1];
  return { pipeline: id ? Number(id) : null, q: params.get("q") || "", stage: params.get("stage") || "" };
}

export function boardHash(pipeline, q, stage) {
  const params = new URLSearchParams();
  if (q) params.set("q", q);
  if (stage) params.set("stage", stage);
  const query = params.toString();
  return `#/board/${pipeline}${query ? `?${query}` : ""}`;
}

const fill = (key, values) => Object.entries(values).reduce((text, [name, value]) => text.replace(`{${name}}`, value), t(key));
const fold = (text) => String(text || "").toLocaleLowerCase(locale());

export async function showBoard(hash) {
  const asked = boardRequest(hash);
  show("board-view");
  $("board-error").textContent = "";
  pipelines = (await api("/pipelines")).items;
  if (!pipelines.length) { $("board").replaceChildren(element("p", "hint", t("board.no_pipelines"))); return; }
  const pipeline = pipelines.find((p) => p.id === asked.pipeline) || pipelines[0];
  current = { pipeline: pipeline.id, q: asked.q, stage: pipeline.stages.some((s) => String(s.id) === asked.stage) ? asked.stage : "" };
  fillControls(pipeline);
  await loadBoard();
}

async function loadBoard() {
  generation += 1;
  const asked = generation;
  const answer = await api(`/pipelines/${current.pipeline}/board?limit=100`).catch((error) => {
    if (asked === generation) $("board-error").textContent = errorText(error);
    return null;
  });
  if (!answer || asked !== generation) return;
  board = answer;
  render();
}

function fillControls(pipeline) {
  $("board-pipelines").replaceChildren(...pipelines.map((p) => {
    const a = link(boardHash(p.id, "", ""), p.name);
    a.dataset.pipeline = p.id;
    a.classList.toggle("current", p.id === pipeline.id);
    if (p.id === pipeline.id) a.setAttribute("aria-current", "page");
    const kind = t(`board.type.${p.type}`);  // said only where the name does not already say it
    if (fold(kind) !== fold(p.name)) a.append(element("small", "hint", ` · ${kind}`));
    return a;
  }));
  const form = $("board-filters");
  form.q.value = current.q;
  form.stage.replaceChildren(option("", t("board.all_stages"), !current.stage),
    ...pipeline.stages.map((s) => option(s.id, s.name, String(s.id) === current.stage)));
}

function matches(card) {
  if (!current.q) return true;
  const wanted = fold(current.q);
  return [card.number, `#${card.number}`, card.subject, card.customer_name].some((value) => fold(value).includes(wanted));
}

function render(focusNumber) {
  const stages = board.columns.map((c) => c.stage);
  let shown = 0;
  const columns = board.columns.filter((c) => !current.stage || String(c.stage.id) === current.stage).map((column) => {
    const section = element("section", "column");
    section.dataset.stage = column.stage.id;
    section.setAttribute("aria-label", column.stage.name);
    const cards = column.cards.filter(matches);
    shown += cards.length;
    const heading = element("h2", "", column.stage.name);
    const total = column.count == null ? column.cards.length : column.count;
    heading.append(element("span", "count", ` ${column.count_is_exact === false ? "~" : ""}${total}`));
    const list = element("ol", "cards");
    list.append(...cards.map((card) => cardElement(card, column.stage, stages)));
    section.append(heading, list);
    section.addEventListener("dragover", (event) => { event.preventDefault(); section.classList.add("over"); });
    section.addEventListener("dragleave", () => section.classList.remove("over"));
    section.addEventListener("drop", (event) => {
      event.preventDefault();
      section.classList.remove("over");
      const number = (event.dataTransfer && event.dataTransfer.getData("text/plain")) || dragging;
      dragging = null;
      if (number) move(number, column.stage.id);
    });
    return section;
  });
  $("board").replaceChildren(...columns);
  $("board-empty").hidden = shown > 0;
  if (focusNumber) {
    const card = document.querySelector(`#board .card[data-number="${CSS.escape(focusNumber)}"]`);
    if (card) card.focus();
  }
}

let dragging = null;

function cardElement(card, stage, stages) {
  const li = element("li", `card priority-${card.priority}`);
  li.tabIndex = 0;
  li.draggable = true;
  li.dataset.number = card.number;
  li.dataset.stage = stage.id;
  li.setAttribute("aria-keyshortcuts", "ArrowLeft ArrowRight");
  li.setAttribute("aria-label", `#${card.number} ${card.subject} · ${t(`priority.${card.priority}`)}`);
  const title = element("div", "title");
  title.append(link(ticketHref(card.number), `#${card.number}`, "number"), " ", element("span", "subject", card.subject));
  const days = card.days_in_stage == null ? "" : fill("board.days_in_stage", { n: card.days_in_stage });
  const called = card.days_since_last_call == null ? t("board.never_called")
    : fill("board.last_call", { n: card.days_since_last_call });
  const facts = element("p", "facts");
  facts.append(element("span", `badge priority-${card.priority}`, t(`priority.${card.priority}`)),
    element("span", "days", days), element("span", "called", called),
    element("span", "calls", fill("board.calls", { n: card.call_count || 0 })));
  const who = element("p", "meta", `${card.customer_name || ""} · ${assigneeName(card)}`);
  li.append(title, who, facts, controls(card, stage, stages));
  li.addEventListener("dragstart", (event) => {
    dragging = card.number;
    event.dataTransfer.setData("text/plain", card.number);
    event.dataTransfer.effectAllowed = "move";
    li.classList.add("dragging");
  });
  li.addEventListener("dragend", () => li.classList.remove("dragging"));
  li.addEventListener("keydown", (event) => {
    if (event.target !== li || event.altKey || event.ctrlKey || event.metaKey) return;
    const step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
    if (step) { event.preventDefault(); moveBy(card, stage, stages, step); }
    if (event.key === "Enter") { event.preventDefault(); location.hash = ticketHref(card.number); }
  });
  return li;
}

function moveBy(card, stage, stages, step) {
  const at = stages.findIndex((s) => s.id === stage.id);
  const target = stages[at + step];
  if (target) move(card.number, target.id);
}

// ← and → buttons, and a menu of every stage of every pipeline (grouped by pipeline).
function controls(card, stage, stages) {
  const at = stages.findIndex((s) => s.id === stage.id);
  const box = element("div", "move");
  const left = element("button", "left", "←");
  left.type = "button";
  left.disabled = at <= 0;
  left.setAttribute("aria-label", t("board.move_left"));
  left.title = t("board.move_left");
  left.addEventListener("click", () => moveBy(card, stage, stages, -1));
  const right = element("button", "right", "→");
  right.type = "button";
  right.disabled = at >= stages.length - 1;
  right.setAttribute("aria-label", t("board.move_right"));
  right.title = t("board.move_right");
  right.addEventListener("click", () => moveBy(card, stage, stages, 1));
  const menu = element("select", "move-to");
  menu.setAttribute("aria-label", t("board.move_to"));
  menu.append(option("", t("board.move_to"), true));
  pipelines.forEach((pipeline) => {
    const group = element("optgroup");
    group.label = `${pipeline.name} (${t(`board.type.${pipeline.type}`)})`;
    group.append(...pipeline.stages.filter((s) => s.id !== stage.id).map((s) => option(s.id, s.name, false)));
    menu.append(group);
  });
  menu.addEventListener("change", () => { if (menu.value) move(card.number, Number(menu.value)); });
  box.append(left, right, menu);
  return box;
}

// The API's refusal of a stage of the other pipeline type, in the console's language; other errors as usual.
export function moveErrorText(error) {
  const found = /this is a (sales|service) ticket and .* is a (sales|service) pipeline/.exec(error && error.message);
  if (error && error.status === 422 && found) {
    return fill("board.wrong_type", { ticket: t(`board.type.${found[1]}`), pipeline: t(`board.type.${found[2]}`) });
  }
  return errorText(error);
}

async function move(number, stageId) {
  $("board-error").textContent = "";
  $("board-notice").textContent = "";
  try {
    await api(`/tickets/${encodeURIComponent(number)}/move`, { method: "POST", body: JSON.stringify({ stage_id: stageId }) });
  } catch (error) {
    $("board-error").textContent = moveErrorText(error);
    render(number);
    return;
  }
  const stage = pipelines.flatMap((p) => p.stages).find((s) => s.id === stageId);
  $("board-notice").textContent = fill("board.moved", { number, stage: stage ? stage.name : "" });
  await loadBoard();
  const card = document.querySelector(`#board .card[data-number="${CSS.escape(number)}"]`);
  if (card) card.focus();
}

export function setUpBoard() {
  const form = $("board-filters");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = boardHash(current.pipeline, form.q.value.trim(), form.stage.value);
  });
  form.q.addEventListener("input", () => {  // filters as one types; the URL follows without reloading
    current.q = form.q.value.trim();
    if (board) render();
    history.replaceState(null, "", boardHash(current.pipeline, current.q, current.stage));
  });
  form.stage.addEventListener("change", () => { location.hash = boardHash(current.pipeline, form.q.value.trim(), form.stage.value); });
}
