"""Inbound mail exactly as it arrived, many mails to a file: one file per batch ingest hands to tickets.

Layout ``<ATTACHMENT_STORE_DIR>/originals/<day>/<name>``: the mails of one batch
one after another, each found again by ``{"archive": name, "offset", "size"}``.
Creating a file costs this file system more than parsing a mail does, so one
file per mail would have made every mail dearer; one per batch costs one
creation and one sync for up to 200 mails. Ingest writes the file before
tickets commits the rows that point into it; the gateway reads a mail back for
an agent to download.
"""
from __future__ import annotations

import os
import re
import uuid
from datetime import datetime, timezone
from pathlib import Path

from services.shared.attachment_store import attachment_store, write_whole

ARCHIVE_NAME = re.compile(r"^(\d{8})-[0-9a-f]{32}$")


class MailArchive:
    def __init__(self, root: os.PathLike | str):
        self.root = Path(root).absolute()

    def path_of(self, archive: str) -> Path:
        match = ARCHIVE_NAME.match(archive)
        if match is None:
            raise ValueError(f"{archive!r} is not the name of a mail archive")
        return self.root / match.group(1) / archive

    def write(self, mails: list[bytes]) -> list[dict]:
        """Keep ``mails`` in one new file, on disk when this returns; where each one is, in order."""
        name = f"{datetime.now(timezone.utc):%Y%m%d}-{uuid.uuid4().hex}"
        write_whole(self.path_of(name), b"".join(mails))
        places, offset = [], 0
        for mail in mails:
            places.append({"archive": name, "offset": offset, "size": len(mail)})
            offset += len(mail)
        return places

    def read(self, archive: str, offset: int, size: int) -> bytes:
        """One mail back; raises FileNotFoundError if the file is gone or shorter than the mail."""
        with open(self.path_of(archive), "rb") as source:
            source.seek(offset)
            mail = source.read(size)
        if len(mail) != size:
            raise FileNotFoundError(f"{archive} holds no {size} bytes at {offset}")
        return mail


def mail_archive(config: dict | None = None) -> MailArchive:
    """The archive beside the attachment store that the container config or the environment names."""
    return MailArchive(attachment_store(config).root / "originals")
