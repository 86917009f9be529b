"""Go durations (`time.ParseDuration`) and the `ttl` annotation, which takes seconds or a duration."""

from __future__ import annotations

import math
import re
from fractions import Fraction

from zonekeeper.annotations.keys import TTL, Obj, Prefixes, annotations_of, invalid, lookup
from zonekeeper.endpoint import Problem

TTL_MIN = 1
TTL_MAX = 2147483647

_DURATION_UNITS = {
    "ns": Fraction(1, 10**9),
    "us": Fraction(1, 10**6),
    "µs": Fraction(1, 10**6),
    "μs": Fraction(1, 10**6),
    "ms": Fraction(1, 1000),
    "s": Fraction(1),
    "m": Fraction(60),
    "h": Fraction(3600),
}
_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_DURATION = re.compile(r"^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$")


def parse_go_duration(value: str) -> Fraction | None:
    """Seconds in a Go `time.ParseDuration` string ("10m", "1h30m", "1.5h"), or None if malformed."""
    value = value.strip()
    if value in ("0", "+0", "-0"):
        return Fraction(0)
    if not _DURATION.match(value):
        return None
    sign = -1 if value.startswith("-") else 1
    total = Fraction(0)
    for number, unit in _DURATION_PART.findall(value.lstrip("+-")):
        total += Fraction(number) * _DURATION_UNITS[unit]
    return sign * total


def parse_ttl(value: str) -> int | None:
    """TTL seconds from "600" or a Go duration, or None when malformed or outside 1..2147483647."""
    value = value.strip()
    seconds: int | None
    if re.fullmatch(r"[+-]?\d+", value):
        seconds = int(value)
    else:
        duration = parse_go_duration(value)
        # Go truncates towards zero (int64(d.Seconds())).
        seconds = None if duration is None else math.trunc(duration)
    if seconds is None or not TTL_MIN <= seconds <= TTL_MAX:
        return None
    return seconds


def ttl(obj: Obj, subject: str, *, prefixes: Prefixes) -> tuple[int, list[Problem]]:
    """The `ttl` annotation in seconds; 0 (not configured) when absent or invalid."""
    found = lookup(annotations_of(obj), TTL, prefixes)
    if found is None:
        return 0, []
    annotation, value = found
    seconds = parse_ttl(value)
    if seconds is None:
        why = f"want whole seconds or a Go duration like '10m', between {TTL_MIN} and {TTL_MAX} seconds"
        return 0, [invalid(subject, annotation, value, why)]
    return seconds, []
