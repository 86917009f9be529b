"""Reading external-dns annotations.

external-dns v0.22 honours exactly one prefix (`--annotation-prefix`). zonekeeper reads both the GA
prefix `external-dns.kubernetes.io/` and the legacy `external-dns.alpha.kubernetes.io/` so that a
cluster can move over without touching its manifests; when an object carries the same key under both
prefixes the GA one wins.

Every reader here is total: malformed values never raise, they come back as `Problem`s naming the
annotation and the value, and the reader falls back to "not configured" for that one setting.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, NamedTuple

from zonekeeper import idn
from zonekeeper.endpoint import ALIAS, Problem

# The same alias as zonekeeper.sources.objects.Obj; not imported from there so that importing this
# module never drags in (and cycles through) the sources package.
Obj = Mapping[str, Any]

GA_PREFIX = "external-dns.kubernetes.io/"
ALPHA_PREFIX = "external-dns.alpha.kubernetes.io/"
# Checked in this order: the first prefix that has a key wins.
PREFIXES = (GA_PREFIX, ALPHA_PREFIX)

# Keys (without prefix).
HOSTNAME = "hostname"
INTERNAL_HOSTNAME = "internal-hostname"
TARGET = "target"
TTL = "ttl"
CONTROLLER = "controller"
SET_IDENTIFIER = "set-identifier"
ALIAS_KEY = "alias"
ACCESS = "access"
ENDPOINTS_TYPE = "endpoints-type"
INGRESS_HOSTNAME_SOURCE = "ingress-hostname-source"
GATEWAY_HOSTNAME_SOURCE = "gateway-hostname-source"
INGRESS = "ingress"
AWS_KEY_PREFIX = "aws-"

# Not prefixed: the classic ingress class annotation that `--ingress-class` also looks at.
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"

TTL_MIN = 1
TTL_MAX = 2147483647

ACCESS_PUBLIC = "public"
ACCESS_PRIVATE = "private"
ENDPOINTS_TYPE_NODE_EXTERNAL_IP = "NodeExternalIP"
ENDPOINTS_TYPE_HOST_IP = "HostIP"
HOSTNAME_SOURCE_DEFINED_HOSTS_ONLY = "defined-hosts-only"
HOSTNAME_SOURCE_ANNOTATION_ONLY = "annotation-only"

# Problem reasons shared by every source.
INVALID_ANNOTATION = "InvalidAnnotation"
INVALID_HOSTNAME = "InvalidHostname"
INVALID_TARGET = "InvalidTarget"

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


# --- raw access ---------------------------------------------------------------------------------


def annotations_of(obj: Obj) -> Mapping[str, str]:
    metadata = obj.get("metadata")
    raw = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    if not isinstance(raw, Mapping):
        return {}
    # Values are strings once an object is read (`kube.resources.decode` reports any other type and
    # leaves it out); nothing here turns a number or a list into text.
    return {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}


def lookup(annotations: Mapping[str, str], key: str) -> tuple[str, str] | None:
    """(full annotation name, value) for `key` under the winning prefix, or None when absent."""
    for prefix in PREFIXES:
        full = prefix + key
        if full in annotations:
            return full, annotations[full]
    return None


def get(obj: Obj, key: str) -> str | None:
    """The value of `key` under the winning prefix, or None when absent."""
    found = lookup(annotations_of(obj), key)
    return None if found is None else found[1]


def _invalid(subject: str, annotation: str, value: str, why: str) -> Problem:
    return Problem(subject, INVALID_ANNOTATION, f"annotation {annotation}: invalid value {value!r}: {why}")


# --- controller ---------------------------------------------------------------------------------


def controller_matches(obj: Obj, controller_name: str) -> bool:
    """False when the object names another controller and must be left alone."""
    value = get(obj, CONTROLLER)
    return value is None or value == controller_name


# --- hostnames ----------------------------------------------------------------------------------

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


def split_list(value: str) -> list[str]:
    """The comma-separated entries of `value`, each without surrounding whitespace; empty entries
    are kept (as "") for the caller to report.

    external-dns deletes every space before splitting, which turns `sp ace.example.com` into
    `space.example.com`; here a space inside an entry stays, and the entry is then refused.
    """
    return [part.strip() for part in value.split(",")]


def hostnames(obj: Obj, key: str, subject: str) -> tuple[list[str], list[Problem]]:
    """The valid hostnames in the `hostname`/`internal-hostname` annotation, in order, de-duplicated."""
    found = lookup(annotations_of(obj), key)
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


# --- targets ------------------------------------------------------------------------------------


def target_error(target: str) -> str | None:
    """Why a bare target (IP address or hostname) is unusable, or None."""
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


def has_targets(obj: Obj) -> bool:
    """True when the `target` annotation is set to anything but blanks, valid or not (`,,,` too).

    Sources then use it instead of their own target rules even if every entry was invalid: falling
    back to the load balancer after a typo would publish something nobody asked for. An empty value
    counts as unset, as in external-dns (templates often render an unset value that way).
    """
    found = lookup(annotations_of(obj), TARGET)
    return found is not None and bool(found[1].strip())


def targets(obj: Obj, subject: str) -> tuple[list[str], list[Problem]]:
    """The valid targets in the `target` annotation (empty when absent); bad ones become Problems."""
    found = lookup(annotations_of(obj), TARGET)
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


# --- ttl ----------------------------------------------------------------------------------------

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


def ttl(obj: Obj, subject: str) -> tuple[int, list[Problem]]:
    """The `ttl` annotation in seconds; 0 (not configured) when absent or invalid."""
    found = lookup(annotations_of(obj), TTL)
    if found is None:
        return 0, []
    annotation, value = found
    seconds = parse_ttl(value)
    if seconds is None:
        why = f"want whole seconds or a Go duration like '10m', between {TTL_MIN} and {TTL_MAX} seconds"
        return 0, [_invalid(subject, annotation, value, why)]
    return seconds, []


# --- provider-specific --------------------------------------------------------------------------


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


def validate_property(name: str, value: str) -> tuple[str | None, str | None]:
    """(normalised value, None) or (None, why) for one provider-specific property.

    A normalised value of "" with no error means "drop the property" (multi-value-answer=false).
    """
    v = value.strip()
    if name == ALIAS:
        lowered = v.lower()
        if lowered in ("true", "false"):
            return lowered, None
        if v.upper() in ("A", "AAAA"):
            return v.upper(), None
        return None, "want true, false, A or AAAA"
    if name == "aws/weight":
        weight = _int_in(v, 0, 255)
        return (weight, None) if weight is not None else (None, "want an integer from 0 to 255")
    if name == "aws/failover":
        if v.upper() in ("PRIMARY", "SECONDARY"):
            return v.upper(), None
        return None, "want PRIMARY or SECONDARY"
    if name == "aws/evaluate-target-health":
        if v.lower() in ("true", "false"):
            return v.lower(), None
        return None, "want true or false"
    if name == "aws/geoproximity-coordinates":
        coords = _coordinates(v)
        if coords is None:
            return None, "want 'latitude,longitude' with latitude within ±90 and longitude within ±180"
        return coords, None
    if name == GEOPROXIMITY_BIAS:
        bias = _int_in(v, -99, 99)
        return (bias, None) if bias is not None else (None, "want an integer from -99 to 99")
    if name == MULTI_VALUE_ANSWER:
        # external-dns treats mere presence as "on"; an explicit "false" is taken to mean off.
        return ("" if v.lower() == "false" else "true"), None
    if name.startswith("aws/") and not v:
        return None, "empty value"
    if name == HEALTH_CHECK_ID and not _UUID.fullmatch(v):
        return None, "want a Route 53 health check id (a UUID such as 0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b)"
    return v, None


def finish_properties(props: dict[str, str]) -> dict[str, str]:
    """Defaults that depend on several properties: geoproximity bias is 0 when unset."""
    if any(k in props for k in GEOPROXIMITY_KEYS) and GEOPROXIMITY_BIAS not in props:
        props[GEOPROXIMITY_BIAS] = "0"
    return props


def provider_specific(obj: Obj, subject: str) -> tuple[dict[str, str], list[Problem]]:
    """`alias` and every `aws-<x>` annotation as provider-specific properties (`alias`, `aws/<x>`)."""
    annotations = annotations_of(obj)
    props: dict[str, str] = {}
    problems: list[Problem] = []
    # (property name, full annotation, value), the GA prefix overriding the legacy one.
    raw: dict[str, tuple[str, str]] = {}
    for prefix in reversed(PREFIXES):
        for full, value in annotations.items():
            if not full.startswith(prefix):
                continue
            key = full[len(prefix) :]
            if key == ALIAS_KEY:
                raw[ALIAS] = (full, value)
            elif key.startswith(AWS_KEY_PREFIX) and len(key) > len(AWS_KEY_PREFIX):
                raw["aws/" + key[len(AWS_KEY_PREFIX) :]] = (full, value)
    for name in sorted(raw):
        full, value = raw[name]
        normalised, why = validate_property(name, value)
        if why is not None:
            problems.append(_invalid(subject, full, value, why))
        elif normalised:
            props[name] = normalised
    return finish_properties(props), problems


# --- everything a source needs ------------------------------------------------------------------


class Common(NamedTuple):
    ttl: int
    set_identifier: str
    provider_specific: dict[str, str]
    problems: list[Problem]


def read_common(obj: Obj, subject: str) -> Common:
    """TTL, set identifier and provider-specific properties of one object, with any Problems."""
    seconds, problems = ttl(obj, subject)
    props, prop_problems = provider_specific(obj, subject)
    set_identifier = (get(obj, SET_IDENTIFIER) or "").strip()
    return Common(seconds, set_identifier, props, problems + prop_problems)


def choice(
    obj: Obj, key: str, allowed: tuple[str, ...], subject: str, *, case_sensitive: bool = False
) -> tuple[str | None, list[Problem]]:
    """An enumerated annotation (`access`, `endpoints-type`, `*-hostname-source`).

    Returns the canonical spelling from `allowed`, or None when absent or invalid (with a Problem).
    """
    found = lookup(annotations_of(obj), key)
    if found is None:
        return None, []
    annotation, value = found
    for option in allowed:
        if value.strip() == option or (not case_sensitive and value.strip().lower() == option.lower()):
            return option, []
    return None, [_invalid(subject, annotation, value, "want one of " + ", ".join(allowed))]
