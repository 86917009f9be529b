"""Internationalised domain names: the one canonical form every name is compared in.

A name is canonical in its ASCII (punycode) form, lower case: `Bücher.Example` and
`xn--bcher-kva.example` are the same name, and that is the form Route 53 stores and returns.
Labels written in Unicode are mapped as external-dns maps them (golang.org/x/net/idna with
MapForLookup, Transitional(true) and StrictDomainName(false), internal/idna): UTS #46 mapping with
the transitional deviations (`ß` -> `ss`, final sigma -> sigma, joiners dropped), underscores and
`*` allowed, then punycode. Labels already in ASCII are only lower-cased, so every name Route 53
returns reads back unchanged.

Where external-dns logs a warning and carries on with a half-converted name, `to_ascii` raises
`IDNAError`: a source's hostname that cannot be encoded is reported instead of being published under
a name nobody asked for. `canonical` is the non-raising form for names that cannot be refused
(records read from Route 53, filters already checked at start-up).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import idna

__all__ = ["IDNAError", "canonical", "to_ascii", "to_unicode"]

_ACE = "xn--"
# UTS #46 maps these full stops to "." before splitting labels.
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
# Transitional processing (Go's Transitional(true)); idna >= 3.7 no longer applies it itself.
_DEVIATIONS = str.maketrans({"\u00df": "ss", "\u03c2": "\u03c3", "\u200c": None, "\u200d": None})


class IDNAError(ValueError):
    """A name that has no valid ASCII form."""


def to_ascii(name: str) -> str:
    """The canonical (ASCII, lower-case) form of `name`; raises IDNAError when a label cannot be
    encoded. Surrounding spaces and the trailing dot are the caller's business."""
    if name.isascii():
        return name.lower()
    return ".".join(_label_to_ascii(label) for label in name.translate(_DOTS).split("."))


def canonical(name: str) -> str:
    """`to_ascii`, keeping a name that cannot be encoded as written (lower case)."""
    try:
        return to_ascii(name)
    except IDNAError:
        return name.lower()


def to_unicode(name: str) -> str:
    """The Unicode form of `name` (what external-dns tests its regex domain filters against).
    Labels that do not decode are kept as written, lower case, as external-dns keeps them."""
    if name.isascii() and _ACE not in name.lower():
        return name.lower()
    return ".".join(_label_to_unicode(label) for label in name.translate(_DOTS).split("."))


@lru_cache(maxsize=4096)  # Unicode labels are rare and repeat (one zone, many names)
def _label_to_ascii(label: str) -> str:
    if label.isascii():
        return label.lower()
    mapped = _map(label)
    if mapped.isascii():
        return mapped
    problem = _label_problem(mapped)
    if problem:
        raise IDNAError(f"label {label!r} {problem}")
    return _ACE + mapped.encode("punycode").decode("ascii")


@lru_cache(maxsize=4096)
def _label_to_unicode(label: str) -> str:
    try:
        mapped = _map(label)
    except IDNAError:
        return label.lower()
    if not mapped.startswith(_ACE):
        return mapped
    encoded = mapped[len(_ACE) :]
    try:
        decoded = encoded.encode("ascii").decode("punycode")
        valid = (
            not decoded.isascii()  # punycode of plain ASCII is not an IDN label
            and decoded.encode("punycode").decode("ascii") == encoded
            and idna.uts46_remap(decoded, std3_rules=False) == decoded
        )
    except (UnicodeError, idna.IDNAError):
        valid = False
    # Python's decoder accepts what Go's rejects; a label that does not round-trip is not punycode.
    return decoded if valid else mapped


def _map(label: str) -> str:
    try:
        mapped = idna.uts46_remap(label.translate(_DEVIATIONS), std3_rules=False)
    except idna.IDNAError as exc:
        raise IDNAError(f"label {label!r} has a character not allowed in a domain name ({exc})") from exc
    return mapped.translate(_DEVIATIONS)


def _label_problem(label: str) -> str:
    # The checks Go's ValidateLabels(true) adds (UTS #46 section 4.1, V2, V3, V5).
    if label[2:4] == "--":
        return "has '--' in its third and fourth characters"
    if label.startswith("-") or label.endswith("-"):
        return "starts or ends with '-'"
    if unicodedata.category(label[0]).startswith("M"):
        return "starts with a combining mark"
    return ""
