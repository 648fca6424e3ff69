// A ticket's conversation: a customer's mail shows its new part, its history, its files, its formatted view in a
// sandboxed frame and the mail as it came. Moved unchanged from the single-file console.
import { button, element, formatSize, formatTime, state, t, failure } from "./core.js";

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
  const anchor = element("a");
  anchor.href = url;
  anchor.download = filename;
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

export const dataUrl = (blob) => new Promise((resolve, reject) => {
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

export function threadEntry(number, message) {
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

// A chosen file as the API takes it: {"filename", "content_type", "content_base64"}.
export async function upload(file) {
  const url = await dataUrl(file);
  return { filename: file.name, content_type: file.type || "application/octet-stream",
    content_base64: url.slice(url.indexOf(",") + 1) };
}
