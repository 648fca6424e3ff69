"""The attachment store: each file once, under its SHA-256, in a directory every service can read.

Layout ``<ATTACHMENT_STORE_DIR>/<sha[:2]>/<sha>`` (default ``var/attachments``,
from the working directory). Ingest writes inbound mail's files and tickets an
agent's uploads, before committing the rows that point at them, so a committed
message never points at a missing file; notify reads them to mail them and the
gateway to serve downloads. A file whose row is then not committed stays
unreferenced, which content addressing makes harmless.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import tempfile
from pathlib import Path

from services.shared.config import env

DEFAULT_DIR = "var/attachments"


class AttachmentStore:
    """``store.put(content) -> sha256``; writing the same content again costs one ``stat``.

    ``put`` makes each file durable before it returns. A writer of many files (ingest, a batch of
    mail at a time) passes ``sync=False`` and calls :meth:`sync` once before committing the rows
    that point at them: one flush of the file system instead of one per file.
    """

    def __init__(self, root: os.PathLike | str):
        # Absolute: a relative root would be read from wherever a library resolves it (Flask's
        # send_file: the app's package folder), not from the working directory every service shares.
        self.root = Path(root).absolute()

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes, *, sync: bool = True) -> str:
        """Keep ``content`` (written to a temporary file, then renamed: readers see all or nothing)."""
        digest = hashlib.sha256(content).hexdigest()
        path = self.path_of(digest)
        if _size_of(path) == len(content):
            return digest  # a shorter one is what a crash before a sync left: written again
        write_whole(path, content, sync=sync)
        return digest

    def sync(self) -> None:
        """Everything written to the store so far is on disk when this returns."""
        self.root.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.root, os.O_RDONLY)
        try:
            if _syncfs is None or _syncfs(handle) != 0:
                os.sync()  # no syncfs(2) here, or it failed: every file system, which covers this one
        finally:
            os.close(handle)


def write_whole(path: Path, content: bytes, *, sync: bool = True) -> None:
    """Write ``content`` to a temporary file beside ``path``, then rename it: readers see all or nothing.
    With ``sync``, it is on disk before this returns (before the row that points at it is committed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            if sync:
                out.flush()
                os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _size_of(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _load_syncfs():
    """Linux's syncfs(2): flushes the one file system the store is on; None where libc lacks it."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


_syncfs = _load_syncfs()


def attachment_store(config: dict | None = None) -> AttachmentStore:
    """The store named by the container config or the environment (``ATTACHMENT_STORE_DIR``)."""
    configured = (config or {}).get("ATTACHMENT_STORE_DIR")
    return AttachmentStore(configured or env("ATTACHMENT_STORE_DIR", DEFAULT_DIR))
