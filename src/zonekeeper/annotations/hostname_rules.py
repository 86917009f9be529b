"""Hostnames from annotations and spec fields: validation and the one canonical form."""

from __future__ import annotations

import re

from zonekeeper import idn
from zonekeeper.annotations.keys import Obj, Prefixes, annotations_of, lookup, split_list
from zonekeeper.endpoint import Problem

INVALID_HOSTNAME = "InvalidHostname"

_LABEL_RE = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$")


def hostname_error(name: str) -> str | None:
    """Why `name` is not a usable DNS name (lower-cased, without trailing dot), or None when it is.

    A leading `*.` wildcard label is allowed. Underscores are allowed because Route 53 accepts them
    (`_acme-challenge`, `_sip._tcp`); an all-numeric last label is refused since that is an IP
    address or a typo, never a hostname.
    """
    if not name:
        return "empty name"
    if len(name) > 253:
        return f"longer than 253 characters ({len(name)})"
    labels = name.split(".")
    for i, label in enumerate(labels):
        if label == "*" and i == 0:
            continue
        if not label:
            return "empty label"
        if len(label) > 63:
            return f"label {label[:20]!r}... longer than 63 characters ({len(label)})"
        if "*" in label:
            return "a wildcard is only allowed as the whole first label ('*.')"
        if not _LABEL_RE.match(label):
            return f"label {label!r} has characters other than a-z, 0-9, '-' and '_' or starts/ends with '-'"
    if len(labels) > 1 and labels[-1].isdigit():
        return "the last label is numeric (an IP address is not a hostname)"
    if labels == ["*"]:
        return "a bare '*' is not a name"
    return None


def without_root_dot(name: str) -> str:
    """`name` without its one optional trailing (root) dot. Only one: `x.example.com..` keeps a dot
    and so fails as an empty label instead of being quietly repaired."""
    return name[:-1] if name.endswith(".") else name


def clean_hostname(raw: str) -> str:
    return idn.canonical(without_root_dot(raw.strip()))


def check_hostname(raw: str, subject: str, where: str) -> tuple[str | None, Problem | None]:
    """Normalise one hostname (to its ASCII form, `xn--` for Unicode labels); `where` names the
    annotation or field it came from."""
    try:
        name = idn.to_ascii(without_root_dot(raw.strip()))
    except idn.IDNAError as exc:
        return None, Problem(subject, INVALID_HOSTNAME, f"{where}: invalid hostname {raw!r}: no IDNA form: {exc}")
    why = hostname_error(name)
    if why is not None:
        return None, Problem(subject, INVALID_HOSTNAME, f"{where}: invalid hostname {raw!r}: {why}")
    return name, None


def hostnames(obj: Obj, key: str, subject: str, *, prefixes: Prefixes) -> tuple[list[str], list[Problem]]:
    """The valid hostnames in the `hostname`/`internal-hostname` annotation, in order, de-duplicated."""
    found = lookup(annotations_of(obj), key, prefixes)
    if found is None:
        return [], []
    annotation, value = found
    names: list[str] = []
    problems: list[Problem] = []
    for part in split_list(value):
        if not part:
            problems.append(Problem(subject, INVALID_HOSTNAME, f"annotation {annotation}: empty entry in {value!r}"))
            continue
        name, problem = check_hostname(part, subject, f"annotation {annotation}")
        if problem is not None:
            problems.append(problem)
        elif name is not None and name not in names:
            names.append(name)
    return names, problems
