"""Authenticated encryption at rest (AES-256-GCM) with key rotation.

Keys come from ``DESTEK_ENCRYPTION_KEYS`` (read once, by ``settings``): comma-separated ``id:base64key``
pairs (32-byte keys), the first one used to encrypt, all of them to decrypt,
so a new key is rotated in by putting it first and re-encrypting at leisure
(:func:`needs_reencryption`). Without the variable, a development key is kept
in ``var/encryption.key`` (created on first use) so that ``make run`` works.
Ciphertext layout: ``key id`` + ``:`` + 12-byte nonce + ciphertext-and-tag.
"""
from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

DEV_KEY_FILE = Path(__file__).resolve().parents[2] / "var" / "encryption.key"


class UnknownKey(Exception):
    """The data was encrypted with a key that is no longer configured."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    current: str

    def encrypt(self, plaintext: str, *, context: str = "") -> bytes:
        """Encrypt text; ``context`` (e.g. ``"note:42"``) is bound to it and must match on decrypt."""
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, plaintext.encode("utf-8"), context.encode())
        return self.current.encode() + b":" + nonce + sealed

    def decrypt(self, blob: bytes, *, context: str = "") -> str:
        key_id, _, rest = bytes(blob).partition(b":")
        key = self.keys.get(key_id.decode())
        if key is None:
            raise UnknownKey(f"encryption key {key_id.decode()!r} is not configured")
        return AESGCM(key).decrypt(rest[:12], rest[12:], context.encode()).decode("utf-8")

    def needs_reencryption(self, blob: bytes) -> bool:
        """True when the data was sealed with an older key than the current one."""
        return not bytes(blob).startswith(self.current.encode() + b":")


def parse_keys(spec: str) -> Keyring:
    """``"k2:base64,k1:base64"`` → a keyring whose current key is ``k2``."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key_id, _, encoded = item.partition(":")
        key = base64.b64decode(encoded)
        if not key_id or len(key) != 32:
            raise SystemExit("DESTEK_ENCRYPTION_KEYS entries must be id:base64 of 32 bytes")
        keys[key_id] = key
    if not keys:
        raise SystemExit("DESTEK_ENCRYPTION_KEYS is empty")
    return Keyring(keys=keys, current=next(iter(keys)))


def _development_key() -> str:
    if not DEV_KEY_FILE.exists():
        DEV_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        DEV_KEY_FILE.write_text("dev1:" + base64.b64encode(os.urandom(32)).decode())
        DEV_KEY_FILE.chmod(0o600)
    return DEV_KEY_FILE.read_text().strip()


def load_keyring(spec: str) -> Keyring:
    """The keyring of ``DESTEK_ENCRYPTION_KEYS``; without it, the development key (created on first use)."""
    return parse_keys(spec or _development_key())
