"""The ingest service: every channel's input becomes one normalised inbound message for tickets."""
from __future__ import annotations

import json

from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.ingest.attachment_store import Attachments
from services.ingest.batching import InboundBatcher, TicketsUnavailable
from services.ingest.imap.pollers import ImapPollers
from services.ingest.models import parked_events
from services.ingest.normalise import raw_mail_to_message
from services.shared.config import env_int
from services.shared.consumers import EventInbox
from services.shared.database import Database
from services.shared.service_base import ServiceBase

MAIL_CONTENT_TYPES = ("message/rfc822", "text/plain", "application/octet-stream")
MAX_ATTACHMENT_BYTES = env_int("MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024)
MAX_REQUEST_BYTES = env_int("MAX_MAIL_REQUEST_BYTES", 4 * MAX_ATTACHMENT_BYTES)


def json_response(body: dict, status: int, **headers) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/json", headers=headers)


def request_body(request, limit: int) -> bytes | None:
    """The request's body, or None if it is longer than ``limit`` bytes.

    A pipe that does not know the mail's size in advance sends it chunked, with no Content-Length;
    werkzeug reads such a body as empty unless told the stream ends, so it is read here from the
    server's own stream, which ends with the last chunk.
    """
    if request.content_length is not None:
        return request.get_data(cache=False) if request.content_length <= limit else None
    if "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return b""
    body = request.environ["wsgi.input"].read(limit + 1)
    return body if len(body) <= limit else None


def input_error(status: int, message: str, field: str) -> Response:
    return json_response({"error": {"code": "invalid_input", "message": message, "field": field}}, status)


class IngestService(ServiceBase):
    name = "ingest"

    db = Database()
    inbox = EventInbox(parked_events)
    batcher = InboundBatcher()
    attachments = Attachments()
    imap = ImapPollers()

    @http("POST", "/ingest/email")
    def receive_email(self, request):
        """Raw RFC 822 mail in (``Content-Type: message/rfc822``, ``?recipient=destek@firma.com``).

        → ``202 {"status": "created", "ticket_number": "2026-000001", "message_id": "..."}``;
        a second post of the same mail answers ``"status": "duplicate"`` with the same ticket; a sender
        over the rate limit gets ``"status": "held"`` (kept for an operator, no ticket, no answer).
        """
        content_type = (request.mimetype or "").lower()
        if content_type not in MAIL_CONTENT_TYPES:
            return input_error(415, "send the raw mail as message/rfc822", "Content-Type")
        raw = request_body(request, MAX_REQUEST_BYTES)
        if raw is None:
            return input_error(413, f"a mail may be at most {MAX_REQUEST_BYTES} bytes", "body")
        if not raw.strip():
            return input_error(400, "the request body must be the raw mail", "body")
        recipient = (request.args.get("recipient") or "").strip() or None
        if recipient is not None and ("@" not in recipient or any(ch.isspace() for ch in recipient)):
            return input_error(400, "recipient must be the envelope recipient's address", "recipient")
        try:
            inbound = raw_mail_to_message(raw, envelope_recipient=recipient, store=self.attachments,
                                          max_attachment_bytes=MAX_ATTACHMENT_BYTES)
            [result] = self.batcher([inbound])
        except (TicketsUnavailable, OSError) as exc:  # OSError: the attachment store could not keep a file
            return json_response({"error": {"code": "unavailable", "message": f"try again later: {exc}",
                                            "field": None}}, 503, **{"Retry-After": "30"})
        return json_response(result, 202)


SERVICE = IngestService
