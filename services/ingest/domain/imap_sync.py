"""Pure rules of importing an IMAP mailbox: where to resume, how to batch, how long to back off."""
from __future__ import annotations

import base64
from dataclasses import dataclass


@dataclass(frozen=True)
class Checkpoint:
    """How far a mailbox has been imported: mail with a UID above ``last_uid`` is new."""

    uidvalidity: int
    last_uid: int


def resume_after(checkpoint: Checkpoint | None, server_uidvalidity: int) -> tuple[int, bool]:
    """The last UID already imported, and whether the mailbox must be imported again from the start.

    A UIDVALIDITY the checkpoint does not know means the server renumbered the
    mailbox (it was recreated or restored): every UID is new again, so the
    whole folder is read once more and duplicates are recognised by Message-ID.
    """
    if checkpoint is None:
        return 0, False
    if checkpoint.uidvalidity != server_uidvalidity:
        return 0, True
    return checkpoint.last_uid, False


def chunks(uids: list[int], size: int) -> list[list[int]]:
    """UIDs in ascending order, in groups of at most ``size`` (one tickets call each)."""
    ordered = sorted(set(uids))
    size = max(1, size)
    return [ordered[i:i + size] for i in range(0, len(ordered), size)]


def within_bytes(sized: list[tuple[int, int]], budget: int) -> list[list[int]]:
    """``(uid, size)`` pairs cut, in UID order, into runs of at most ``budget`` bytes; a bigger mail goes alone.

    A batch is fetched whole into memory: a hundred mails at the 25 MB limit must not be.
    """
    runs: list[list[int]] = []
    total = 0
    for uid, size in sorted(sized):
        if not runs or total + size > budget:
            runs.append([])
            total = 0
        runs[-1].append(uid)
        total += size
    return runs


def uid_set(uids: list[int]) -> str:
    """An IMAP sequence set for these UIDs, ranges folded: ``[1, 2, 3, 7]`` → ``"1:3,7"``."""
    ordered = sorted(set(uids))
    if not ordered:
        raise ValueError("an IMAP UID set cannot be empty")
    parts, start, previous = [], ordered[0], ordered[0]
    for uid in ordered[1:] + [None]:
        if uid is not None and uid == previous + 1:
            previous = uid
            continue
        parts.append(str(start) if start == previous else f"{start}:{previous}")
        if uid is not None:
            start = previous = uid
    return ",".join(parts)


def backoff_seconds(failures: int, *, base: float = 2.0, cap: float = 300.0) -> float:
    """How long a mailbox that failed ``failures`` times in a row waits before it tries again."""
    if failures <= 0:
        return 0.0
    return min(cap, base * 2 ** (failures - 1))


def mailbox_key(department_id: int, user: str, host: str, port: int, folder: str) -> str:
    """The checkpoint key: another server, user or folder is another mailbox with its own UIDs."""
    return f"{department_id}:{user}@{host}:{port}/{folder}"


def imap_utf7(folder: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3): ``"Gelen Kutusu/Şikâyet"`` and the like."""
    out, pending = [], []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + encoded.replace("/", ",") + "-")
            pending.clear()

    for char in folder:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def quoted(name: str) -> str:
    """A mailbox name as an IMAP quoted string (spaces, quotes and backslashes are allowed in names)."""
    encoded = imap_utf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'
