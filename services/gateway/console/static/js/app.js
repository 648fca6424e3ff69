// Destek web console: talks to /api/v1 like any client. One ES module per screen (lists, ticket, admin) over
// shared helpers (core); this one signs in and out, switches language and routes the URL's hash to a screen.
import { $, api, errorText, learnName, loadStrings, show, state, t, whenSignedOut } from "./core.js";
import { setUpLists, showList } from "./lists.js";
import { setUpTicket, showTicket, TABS } from "./ticket.js";
import { setUpBoard, showBoard } from "./board.js";
import { setUpShortcuts } from "./shortcuts.js";
import { setUpCustomers, showCustomer, showCustomers } from "./customers.js";
import { setUpAdmin, showHeld, showNew, showSettings } from "./admin.js";

// Held mail is for those who can release it: owners and department managers.
function setUser(user) {
  state.user = user;
  $("who").textContent = user ? user.name : "";
  $("held-link").hidden = !(user && (user.is_owner || Object.values(user.departments).includes("manager")));
  $("settings-link").hidden = !(user && user.is_owner);
  if (user) state.names[user.id] = user.name;
}

function signOut() {
  state.token = null;
  state.users = null;
  sessionStorage.removeItem("destek.token");
  setUser(null);
  location.hash = "";
  show("login-view");
}
whenSignedOut(signOut);

async function route() {
  if (!state.token) { show("login-view"); return; }
  const hash = location.hash;
  const ticket = hash.match(/^#\/tickets\/([^/?]+)(?:\/([a-z]+))?$/);
  $("notice").textContent = state.flash || "";  // what the last screen did, e.g. a deletion
  state.flash = "";
  try {
    if (!state.user) setUser(await api("/auth/me"));
    if (!state.departments) state.departments = (await api("/departments")).items;
    if (state.user.is_owner && !state.users) {  // owners may list everyone: the lists then name every assignee
      state.users = (await api("/users").catch(() => ({ items: [] }))).items;
      state.users.forEach((user) => learnName(user.id, user.name));
    }
    if (ticket) await showTicket(decodeURIComponent(ticket[1]), TABS.includes(ticket[2]) ? ticket[2] : "thread");
    else if (/^#\/board(\/\d+)?(\?.*)?$/.test(hash)) await showBoard(hash);
    else if (/^#\/customers\/\d+$/.test(hash)) await showCustomer(hash.split("/")[2]);
    else if (/^#\/customers(\?.*)?$/.test(hash)) await showCustomers(hash);
    else if (hash === "#/held-mail") await showHeld();
    else if (hash === "#/new") await showNew();
    else if (hash === "#/mail-settings") await showSettings();
    else await showList(hash);
  } catch (error) {
    if (error.status !== 401) { $("notice").textContent = errorText(error); }  // 401: the sign-in page is shown
  }
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

$("logout").addEventListener("click", () => {
  const token = state.token;
  signOut();  // at once: a page closed before the server answers must not keep the token
  fetch("/api/v1/auth/logout", { method: "POST", keepalive: true, headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
});
$("language").addEventListener("click", async () => {
  state.language = state.language === "tr" ? "en" : "tr";
  localStorage.setItem("destek.lang", state.language);
  await loadStrings();
  route();
});
window.addEventListener("hashchange", route);

// The token lives in this tab's sessionStorage, which a tab opened from a link (a row opened in a new tab) does
// not inherit: such a tab asks the console's other tabs for it over a same-origin channel, for a moment.
const sessions = "BroadcastChannel" in window ? new BroadcastChannel("destek.session") : null;
if (sessions) {
  sessions.addEventListener("message", (event) => {
    if (event.data === "token?" && state.token) sessions.postMessage({ token: state.token });
  });
}

function borrowToken() {
  if (state.token || !sessions) return Promise.resolve();
  return new Promise((done) => {
    const take = (event) => {
      if (!event.data || !event.data.token || state.token) return;
      state.token = event.data.token;
      sessionStorage.setItem("destek.token", state.token);
      done();
    };
    sessions.addEventListener("message", take);
    sessions.postMessage("token?");
    setTimeout(() => { sessions.removeEventListener("message", take); done(); }, 400);
  });
}

setUpLists();
setUpTicket((notice) => { state.flash = notice; location.hash = "#/tickets"; });
setUpAdmin();
setUpBoard();
setUpShortcuts();
setUpCustomers();
Promise.all([loadStrings(), borrowToken()]).then(route);
