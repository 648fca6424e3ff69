// Writing to a customer first, held mail (managers, owners) and departments' mailboxes (owners).
import { $, api, button, element, errorText, formatTime, option, show, state, t } from "./core.js";

// An agent writes to a customer first: the ticket opens in one of their departments and the message is mailed.
export async function showNew() {
  const departments = (await api("/departments")).items
    .filter((d) => state.user.is_owner || String(d.id) in state.user.departments);
  const form = $("new-form");
  form.department_id.replaceChildren(...departments.map((d, i) => option(d.id, `${d.name} <${d.email}>`, i === 0)));
  form.priority.replaceChildren(...[1, 2, 3, 4].map((p) => option(p, t(`priority.${p}`), p === 3)));
  show("new-view");
}

export async function showHeld(notice = "") {
  const held = await api("/held-mail?status=held");
  $("held-rows").replaceChildren(...held.items.map((mail) => {
    const row = element("tr");
    row.title = mail.error || "";
    [formatTime(mail.created_at), mail.from_email, mail.subject, t(`held.reason.${mail.reason}`)]
      .forEach((v) => row.appendChild(element("td", "", v)));
    const action = element("td");
    action.appendChild(button("", t("held.release"), async () => {
      try {
        const result = await api(`/held-mail/${mail.id}/release`, { method: "POST" });
        await showHeld(`${t("held.released")} #${result.ticket_number}`);
      } catch (error) { $("held-notice").textContent = errorText(error); }
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

export async function showSettings() {
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

export function setUpAdmin() {
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
    } catch (error) { $("new-error").textContent = errorText(error); }
  });
  $("settings-department").addEventListener("change", () => showSettings().catch((error) => alert(errorText(error))));
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
      $("settings-error").textContent = error.message;  // names the field (imap.password): the form marks it too
      const input = error.field && form.elements.namedItem(error.field.replace(".", "_"));
      if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
    }
  });
}
