"""`--txt-encrypt-enabled` / `--txt-encrypt-aes-key`: TXT values sealed exactly as external-dns seals
them (endpoint/crypto.go), so either controller can read, rewrite and delete the other's records.

A sealed value is `base64Std(nonce(12) || AES-256-GCM.Seal(gzip(BestCompression)(plaintext)))`,
written between double quotes by the caller. The nonce is random the first time and then reused
(the TXT registry keeps it beside the labels it read, never among them), so re-serialising the same labels
gives the same bytes: Route 53 deletes a record only when the value matches exactly. That also
needs gzip bytes identical to Go's, which is why compression goes through `goflate`.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import os
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["KEY_SIZE", "NONCE_SIZE", "decrypt", "encrypt", "parse_key"]

KEY_SIZE = 32  # AES-256
NONCE_SIZE = 12  # Go's cipher.NewGCM default nonce size


def _cipher(key: bytes) -> AESGCM:
    # Imported on first use: most installations seal nothing, and every `plan` would pay for the
    # import (about 20 ms) before reading a file.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def parse_key(value: str | bytes) -> bytes:
    """The AES key from `--txt-encrypt-aes-key`: 32 raw bytes, or standard base64 of 32 bytes.

    Raw wins when the value is itself 32 bytes long, as in external-dns (a 32-character string is
    never tried as base64)."""
    raw = value.encode() if isinstance(value, str) else bytes(value)
    if not raw:
        raise ValueError(
            "the AES encryption key is empty: --txt-encrypt-aes-key must be set for TXT encryption"
        )
    if len(raw) == KEY_SIZE:
        return raw
    try:
        decoded = _b64decode(raw)
    except ValueError:
        decoded = b""
    if len(decoded) != KEY_SIZE:
        raise ValueError(
            f"the AES encryption key must be {KEY_SIZE} bytes long, as plain text or standard base64 "
            f"(got {len(raw)} bytes that are not base64 of {KEY_SIZE} bytes)"
        )
    return decoded


def _b64decode(data: bytes) -> bytes:
    # Go's StdEncoding skips CR and LF but is otherwise strict: padding required, no other bytes.
    data = data.replace(b"\r", b"").replace(b"\n", b"")
    try:
        return base64.b64decode(data, validate=True)
    except binascii.Error as err:
        raise ValueError(str(err)) from err


def encrypt(plaintext: str, key: bytes, nonce: bytes | None = None) -> tuple[str, bytes]:
    """Seal `plaintext`; returns the base64 text (without quotes) and the nonce used.

    Pass the nonce of the value being replaced to get byte-identical output."""
    if len(key) != KEY_SIZE:
        raise ValueError(f"the AES encryption key must be {KEY_SIZE} bytes, got {len(key)}")
    if nonce is None:
        nonce = os.urandom(NONCE_SIZE)
    elif len(nonce) != NONCE_SIZE:
        raise ValueError(f"an encryption nonce is {NONCE_SIZE} bytes, got {len(nonce)}")
    # surrogateescape: bytes that decrypt() could not decode as UTF-8 go back out unchanged.
    from zonekeeper.registry.goflate import gzip_best_compression  # likewise: tables built on import

    compressed = gzip_best_compression(plaintext.encode("utf-8", "surrogateescape"))
    sealed = _cipher(key).encrypt(nonce, compressed, None)
    return base64.b64encode(nonce + sealed).decode("ascii"), nonce


def decrypt(ciphertext: str, key: bytes) -> tuple[str, bytes] | None:
    """Open a sealed value (without quotes); None when it is not one sealed with this key.

    None is not an error: a registry may hold plain values beside sealed ones, or values sealed
    with an earlier key, and the caller then reads the value as plain text."""
    if len(key) != KEY_SIZE:
        return None
    try:
        data = _b64decode(ciphertext.encode("utf-8", "surrogateescape"))
    except ValueError:
        return None
    if len(data) <= NONCE_SIZE:
        return None
    nonce, sealed = data[:NONCE_SIZE], data[NONCE_SIZE:]
    from cryptography.exceptions import InvalidTag

    try:
        compressed = _cipher(key).decrypt(nonce, sealed, None)
    except InvalidTag:
        return None
    try:
        plain = gzip.decompress(compressed)
    except (OSError, EOFError, zlib.error):
        return None  # external-dns also treats a value that does not gunzip as not sealed
    return plain.decode("utf-8", "surrogateescape"), nonce
