"""Ownership labels <-> the TXT value external-dns writes (endpoint/labels.go), byte for byte.

    "heritage=external-dns,external-dns/owner=cluster1,external-dns/resource=service/default/web"

`heritage` comes first, then every label sorted by key and prefixed `external-dns/`, all between
double quotes. The value is regenerated from the labels whenever a TXT is written or deleted, so
the order and quoting must be exactly external-dns's or the two controllers would churn each
other's records (and Route 53 would refuse to delete a value that does not match exactly).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from zonekeeper.endpoint import OWNER_LABEL, Endpoint, Problem
from zonekeeper.registry import crypto

__all__ = ["HERITAGE", "Labels", "parse", "reserved_value", "serialize"]

HERITAGE = "external-dns"
_KEY_PREFIX = HERITAGE + "/"
_PLAIN_START = f"heritage={HERITAGE}"
# Nearly every value repeats no key: one shared empty table rather than a dict each (a zone of
# 100,000 records is read into 100,000 of these).
_NO_REPEATS: Mapping[str, list[str]] = MappingProxyType({})


class Labels(dict[str, str]):
    """The labels of one TXT value. A key named more than once keeps its last value, as in
    external-dns; `repeated` holds every value of such keys, in order, so that a value naming
    two owners can be refused rather than guessed at. `nonce` is the nonce of a sealed value (None
    for a plain one): sealing the same labels with it again gives the same bytes."""

    __slots__ = ("nonce", "repeated")

    def __init__(self) -> None:
        super().__init__()
        self.repeated: Mapping[str, list[str]] = _NO_REPEATS
        self.nonce: bytes | None = None


def serialize(
    labels: Mapping[str, str] | Iterable[tuple[str, str]],
    *,
    aes_key: bytes | None = None,
    nonce: bytes | None = None,
) -> str:
    """The quoted TXT value for `labels`; sealed with `aes_key` when one is given, with `nonce`
    (that of the value it replaces, so the value comes out identical) or a fresh one."""
    items = dict(labels.items() if isinstance(labels, Mapping) else labels)
    # Python orders str by code point, which is the byte order of their UTF-8 (Go's sort.Strings).
    tokens = [_PLAIN_START]
    tokens += [f"{_KEY_PREFIX}{key}={items[key]}" for key in sorted(items)]
    text = ",".join(tokens)
    if aes_key is not None:
        text, _ = crypto.encrypt(text, aes_key, nonce)
    return f'"{text}"'


def parse(value: str, *, aes_key: bytes | None = None) -> Labels | None:
    """Labels from a TXT value, or None when the value is not an external-dns ownership record.

    With `aes_key`, a sealed value is opened first and its nonce kept in `Labels.nonce`; a value
    that does not open is read as plain text, so plain and sealed values can coexist."""
    text = value.strip('"')
    # A plain ownership value cannot be a sealed one: spare it the decryption attempt.
    if aes_key is not None and not text.startswith(_PLAIN_START):
        opened = crypto.decrypt(text, aes_key)
        if opened is not None:
            plaintext, nonce = opened
            labels = _parse_plain(plaintext)
            if labels is not None:
                labels.nonce = nonce
                return labels
    return _parse_plain(text)


def _parse_plain(value: str) -> Labels | None:
    labels = Labels()
    found_heritage = False
    for token in value.strip('"').split(","):
        # Like external-dns (strings.Cut, since v0.22): split on the first `=` only, so a value may
        # hold `=` (`owner=team=platform`); a token with no `=` at all is ignored, not an error.
        key, found, val = token.partition("=")
        if not found:
            continue
        if key == "heritage":
            if val != HERITAGE:
                return None
            found_heritage = True
            continue
        # external-dns tests the prefix without its slash and trims it with the slash; a key like
        # `external-dnsfoo` is therefore kept whole. Reading it the same way keeps values stable.
        if key.startswith(HERITAGE):
            # The keys (owner, resource) and the owner are the same few strings in every value of
            # a zone: one copy each, not one per record.
            name = sys.intern(key.removeprefix(_KEY_PREFIX))
            if name in labels:
                repeated = dict(labels.repeated)
                repeated.setdefault(name, [labels[name]]).append(val)
                labels.repeated = repeated
            labels[name] = sys.intern(val) if name == OWNER_LABEL else val
    return labels if found_heritage else None


def reserved_value(endpoint: Endpoint, *, aes_key: bytes | None = None) -> Problem | None:
    """A desired TXT record whose value is an ownership value is refused: written as a record, it
    would claim records for whoever it names (every registry that reads TXT ownership refuses it)."""
    if endpoint.type == "TXT" and any(parse(value, aes_key=aes_key) is not None for value in endpoint.targets):
        return Problem(
            endpoint.subject, "TXTValueReserved",
            f"{endpoint.key}: a TXT value starting 'heritage=external-dns' is an ownership record; "
            "only the registry writes those",
        )
    return None
