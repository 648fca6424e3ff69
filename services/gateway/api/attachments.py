"""``/api/v1/tickets/{number}/attachments/{id}``: a message's file, for whoever may open the ticket;
``/api/v1/tickets/{number}/messages/{id}/original``: an inbound mail exactly as it arrived (``.eml``),
from the mail archive (``services.shared.mail_archive``).

The tickets service checks access and names the file by its SHA-256; the bytes
come straight from the shared attachment store (``services.shared.attachment_store``). Files are sent as
downloads, never rendered as pages of this origin, except raster images asked
for ``?disposition=inline`` (inline images of a mail).
"""
from __future__ import annotations

import io
import logging

from flask import Blueprint, g, request, send_file

from services.gateway.api.common import login_required, rpc
from services.shared.attachment_store import attachment_store
from services.shared.errors import NotFound
from services.shared.mail_archive import mail_archive

blueprint = Blueprint("attachments", __name__)
log = logging.getLogger(__name__)
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}  # not SVG: it can carry script


@blueprint.get("/tickets/<number>/attachments/<int:attachment_id>")
@login_required
def download_attachment(number, attachment_id):
    """The file itself (``Content-Disposition: attachment``); 404 when it was not kept (over the size limit)."""
    meta = rpc().tickets.get_attachment(g.user_id, number, attachment_id)
    if not meta.get("kept"):
        raise NotFound(f"{meta['filename']} was not kept: {meta.get('not_kept_reason') or 'no reason given'}",
                       "attachment_id")
    path = attachment_store().path_of(meta["sha256"])
    if not path.is_file():
        log.error("attachment %s of ticket %s is missing from the store at %s", attachment_id, number, path)
        raise NotFound(f"{meta['filename']} is missing from the attachment store", "attachment_id")
    inline = request.args.get("disposition") == "inline" and meta["content_type"] in INLINE_TYPES
    response = send_file(path, mimetype=meta["content_type"] if inline else _download_type(meta["content_type"]),
                         as_attachment=not inline, download_name=meta["filename"], etag=meta["sha256"],
                         conditional=True, max_age=0)
    return _private(response)


@blueprint.get("/tickets/<number>/messages/<int:message_id>/original")
@login_required
def download_original(number, message_id):
    """The mail as it arrived (``message/rfc822``, saved as ``.eml``); 404 for a message that has none."""
    meta = rpc().tickets.get_original_mail(g.user_id, number, message_id)
    try:
        mail = mail_archive().read(meta["archive"], meta["offset"], meta["size"])
    except (OSError, ValueError) as exc:
        log.error("the original of message %s of ticket %s cannot be read: %s", message_id, number, exc)
        raise NotFound(f"the original of message {message_id} is missing from the mail archive", "message_id") from None
    response = send_file(io.BytesIO(mail), mimetype="message/rfc822", as_attachment=True,
                         download_name=f"{number}-{message_id}.eml", etag=f"{meta['archive']}-{meta['offset']}",
                         conditional=True, max_age=0)
    return _private(response)


def _private(response):
    """A download that never runs as a page of this origin, nor stays in a shared cache."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=0"
    return response


def _download_type(content_type: str) -> str:
    # HTML or SVG from a customer must not run as a page of this origin, even if opened directly.
    return "application/octet-stream" if content_type in ("text/html", "image/svg+xml") else content_type
