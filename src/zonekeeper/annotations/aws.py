"""Provider-specific properties from annotations: `alias` and the `aws-<x>` keys, validated and
normalised to external-dns's property names (`alias`, `aws/<x>`)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from zonekeeper.annotations.keys import ALIAS_KEY, AWS_KEY_PREFIX, Obj, Prefixes, annotations_of, invalid
from zonekeeper.endpoint import ALIAS, Problem

GEOPROXIMITY_KEYS = (
    "aws/geoproximity-region",
    "aws/geoproximity-local-zone-group",
    "aws/geoproximity-coordinates",
)
GEOPROXIMITY_BIAS = "aws/geoproximity-bias"
MULTI_VALUE_ANSWER = "aws/multi-value-answer"
HEALTH_CHECK_ID = "aws/health-check-id"
# Route 53 health check ids are UUIDs in the 8-4-4-4-12 form; anything else would only be refused
# by Route 53 (or worse, reach it).
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

# (normalised value, None) or (None, why the value is refused).
Checked = tuple[str | None, str | None]


def _int_in(value: str, low: int, high: int) -> str | None:
    text = value.strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        return None
    number = int(text)
    return str(number) if low <= number <= high else None


def _coordinates(value: str) -> str | None:
    parts = value.replace(" ", "").split(",")
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return None
    return f"{parts[0]},{parts[1]}"


def _one_of(value: str, options: tuple[str, ...]) -> str | None:
    """The option `value` spells, in the option's own spelling (`Primary` -> `PRIMARY`), or None."""
    for option in options:
        if value.lower() == option.lower():
            return option
    return None


def _alias(v: str) -> Checked:
    found = _one_of(v, ("true", "false", "A", "AAAA"))
    return (found, None) if found is not None else (None, "want true, false, A or AAAA")


def _weight(v: str) -> Checked:
    weight = _int_in(v, 0, 255)
    return (weight, None) if weight is not None else (None, "want an integer from 0 to 255")


def _failover(v: str) -> Checked:
    found = _one_of(v, ("PRIMARY", "SECONDARY"))
    return (found, None) if found is not None else (None, "want PRIMARY or SECONDARY")


def _evaluate_target_health(v: str) -> Checked:
    found = _one_of(v, ("true", "false"))
    return (found, None) if found is not None else (None, "want true or false")


def _geoproximity_coordinates(v: str) -> Checked:
    coords = _coordinates(v)
    if coords is None:
        return None, "want 'latitude,longitude' with latitude within ±90 and longitude within ±180"
    return coords, None


def _geoproximity_bias(v: str) -> Checked:
    bias = _int_in(v, -99, 99)
    return (bias, None) if bias is not None else (None, "want an integer from -99 to 99")


def _multi_value_answer(v: str) -> Checked:
    # external-dns treats mere presence as "on"; an explicit "false" is taken to mean off.
    return ("" if v.lower() == "false" else "true"), None


def _health_check_id(v: str) -> Checked:
    if not v:
        return None, "empty value"
    if not _UUID.fullmatch(v):
        return None, "want a Route 53 health check id (a UUID such as 0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b)"
    return v, None


# The properties whose values have rules; any other `aws/<x>` only has to be non-empty.
_CHECKS: dict[str, Callable[[str], Checked]] = {
    ALIAS: _alias,
    "aws/weight": _weight,
    "aws/failover": _failover,
    "aws/evaluate-target-health": _evaluate_target_health,
    "aws/geoproximity-coordinates": _geoproximity_coordinates,
    GEOPROXIMITY_BIAS: _geoproximity_bias,
    MULTI_VALUE_ANSWER: _multi_value_answer,
    HEALTH_CHECK_ID: _health_check_id,
}


def validate_property(name: str, value: str) -> Checked:
    """(normalised value, None) or (None, why) for one provider-specific property.

    A normalised value of "" with no error means "drop the property" (multi-value-answer=false).
    """
    v = value.strip()
    check = _CHECKS.get(name)
    if check is not None:
        return check(v)
    if name.startswith("aws/") and not v:
        return None, "empty value"
    return v, None


def finish_properties(props: dict[str, str]) -> dict[str, str]:
    """Defaults that depend on several properties: geoproximity bias is 0 when unset."""
    if any(k in props for k in GEOPROXIMITY_KEYS) and GEOPROXIMITY_BIAS not in props:
        props[GEOPROXIMITY_BIAS] = "0"
    return props


def provider_specific(
    obj: Obj, subject: str, *, prefixes: Prefixes, alias_true_only: bool = False
) -> tuple[dict[str, str], list[Problem]]:
    """`alias` and every `aws-<x>` annotation as provider-specific properties (`alias`, `aws/<x>`).

    `alias_true_only` (--alias-annotation=external-dns) reads `alias` as external-dns v0.23 does: only
    the exact value `true` sets it; any other value is ignored, without a Problem."""
    annotations = annotations_of(obj)
    props: dict[str, str] = {}
    problems: list[Problem] = []
    # (property name, full annotation, value), an earlier prefix overriding a later one.
    raw: dict[str, tuple[str, str]] = {}
    for prefix in reversed(prefixes):
        for full, value in annotations.items():
            if not full.startswith(prefix):
                continue
            key = full[len(prefix) :]
            if key == ALIAS_KEY:
                if not alias_true_only or value == "true":
                    raw[ALIAS] = (full, value)
                else:
                    raw.pop(ALIAS, None)  # an ignored value under a winning prefix hides a later one
            elif key.startswith(AWS_KEY_PREFIX) and len(key) > len(AWS_KEY_PREFIX):
                raw["aws/" + key[len(AWS_KEY_PREFIX) :]] = (full, value)
    for name in sorted(raw):
        full, value = raw[name]
        normalised, why = validate_property(name, value)
        if why is not None:
            problems.append(invalid(subject, full, value, why))
        elif normalised:
            props[name] = normalised
    return finish_properties(props), problems
