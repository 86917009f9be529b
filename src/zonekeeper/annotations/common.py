"""What every source reads from an object's annotations besides hostnames and targets."""

from __future__ import annotations

from typing import NamedTuple

from zonekeeper.annotations.aws import provider_specific
from zonekeeper.annotations.durations import ttl
from zonekeeper.annotations.keys import SET_IDENTIFIER, Obj, Prefixes, get
from zonekeeper.endpoint import Problem


class Common(NamedTuple):
    ttl: int
    set_identifier: str
    provider_specific: dict[str, str]
    problems: list[Problem]


def read_common(obj: Obj, subject: str, *, prefixes: Prefixes, alias_true_only: bool = False) -> Common:
    """TTL, set identifier and provider-specific properties of one object, with any Problems
    (`alias_true_only`: see `provider_specific`)."""
    seconds, problems = ttl(obj, subject, prefixes=prefixes)
    props, prop_problems = provider_specific(obj, subject, prefixes=prefixes, alias_true_only=alias_true_only)
    set_identifier = (get(obj, SET_IDENTIFIER, prefixes=prefixes) or "").strip()
    return Common(seconds, set_identifier, props, problems + prop_problems)
