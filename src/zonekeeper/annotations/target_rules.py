"""Record targets from the `target` annotation: IP addresses and hostnames, validated."""

from __future__ import annotations

import ipaddress

from zonekeeper.annotations.hostname_rules import hostname_error, without_root_dot
from zonekeeper.annotations.keys import TARGET, Obj, Prefixes, annotations_of, lookup, split_list
from zonekeeper.endpoint import Problem, is_ipv4

INVALID_TARGET = "InvalidTarget"


def target_error(target: str) -> str | None:
    """Why a bare target (IP address or hostname) is unusable, or None."""
    if is_ipv4(target):
        return None
    if ":" in target:
        try:
            ipaddress.IPv6Address(target)
        except ValueError:
            return "not a valid IPv6 address"
        return None
    labels = target.split(".")
    if all(label.isdigit() for label in labels):
        try:
            ipaddress.IPv4Address(target)
        except ValueError:
            return "not a valid IPv4 address"
        return None
    why = hostname_error(target.lower())
    if why is None and target.startswith("*"):
        return "a target cannot be a wildcard"
    return why


def has_targets(obj: Obj, *, prefixes: Prefixes) -> bool:
    """True when the `target` annotation is set to anything but blanks, valid or not (`,,,` too).

    Sources then use it instead of their own target rules even if every entry was invalid: falling
    back to the load balancer after a typo would publish something nobody asked for. An empty value
    counts as unset, as in external-dns (templates often render an unset value that way).
    """
    found = lookup(annotations_of(obj), TARGET, prefixes)
    return found is not None and bool(found[1].strip())


def targets(obj: Obj, subject: str, *, prefixes: Prefixes) -> tuple[list[str], list[Problem]]:
    """The valid targets in the `target` annotation (empty when absent); bad ones become Problems."""
    found = lookup(annotations_of(obj), TARGET, prefixes)
    if found is None:
        return [], []
    annotation, value = found
    result: list[str] = []
    problems: list[Problem] = []
    for part in split_list(value) if value.strip() else []:
        target = without_root_dot(part)
        why = target_error(target) if part else "empty entry"
        if why is not None:
            problems.append(
                Problem(subject, INVALID_TARGET, f"annotation {annotation}: invalid target {part!r}: {why}")
            )
        elif target not in result:
            result.append(target)
    return result, problems
