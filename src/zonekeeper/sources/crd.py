"""The `crd` source: externaldns.k8s.io/v1alpha1 DNSEndpoint objects, record by record.

Each spec.endpoints[] entry is checked on its own; a bad one is reported (naming the DNSEndpoint,
the index and the dnsName) and skipped while the others are still published. The only exception is
a bad recordTTL, which like the `ttl` annotation is reported and treated as "not configured".

Labels from the spec are kept, except the ones that carry ownership (`owner`, `resource`, ...):
those are ours to set, and `resource` is always `crd/<namespace>/<name>`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any

from zonekeeper import annotations as ann
from zonekeeper.endpoint import (
    ALIAS,
    OWNER_LABEL,
    RECORD_TYPES,
    RESOURCE_LABEL,
    TXT_NONCE_LABEL,
    Endpoint,
    Problem,
    suitable_type,
)
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import as_list, as_map, as_str, dig, finish, only_itself, resource, str_map
from zonekeeper.sources.objects import DNSENDPOINTS, Obj, ObjectView

KIND = "crd"
INVALID_ENDPOINT = "InvalidEndpoint"
MISSING_TARGETS = "MissingTargets"
# Labels that describe ownership in the TXT registry; a DNSEndpoint must not forge them.
RESERVED_LABELS = frozenset({OWNER_LABEL, RESOURCE_LABEL, TXT_NONCE_LABEL, "ownedRecord"})

_UINT16 = 65535


def _uint(text: str, high: int) -> bool:
    return bool(re.fullmatch(r"\d+", text)) and int(text) <= high


def _hostname_ok(text: str) -> bool:
    name = ann.without_root_dot(text).lower()
    return ann.hostname_error(name) is None and not name.startswith("*")


def _ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def _ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _alias_hint(alias: bool) -> str:
    return " (or, for an alias, a hostname)" if alias else ""


def _a_error(record_type: str, target: str, alias: bool) -> str | None:
    if _ipv4(target) or (alias and _hostname_ok(target)):
        return None
    return "an A target must be an IPv4 address" + _alias_hint(alias)


def _aaaa_error(record_type: str, target: str, alias: bool) -> str | None:
    if _ipv6(target) or (alias and _hostname_ok(target)):
        return None
    return "an AAAA target must be an IPv6 address" + _alias_hint(alias)


def _name_error(record_type: str, target: str, alias: bool) -> str | None:
    return None if _hostname_ok(target) else f"a {record_type} target must be a hostname"


def _mx_error(record_type: str, target: str, alias: bool) -> str | None:
    parts = target.split()
    if len(parts) == 2 and _uint(parts[0], _UINT16) and _hostname_ok(parts[1]):
        return None
    return "an MX target must be 'preference host'"


def _srv_error(record_type: str, target: str, alias: bool) -> str | None:
    parts = target.split()
    if len(parts) == 4 and all(_uint(p, _UINT16) for p in parts[:3]) and _hostname_ok(parts[3]):
        return None
    return "an SRV target must be 'priority weight port host'"


def _caa_error(record_type: str, target: str, alias: bool) -> str | None:
    parts = target.split(None, 2)
    if len(parts) == 3 and _uint(parts[0], 255) and re.fullmatch(r"[A-Za-z0-9]+", parts[1]):
        return None
    return "a CAA target must be 'flags tag value'"


# Record type -> (type, target, alias) -> why the target is refused. TXT and NAPTR are free-form.
_TARGET_RULES: dict[str, Callable[[str, str, bool], str | None]] = {
    "A": _a_error,
    "AAAA": _aaaa_error,
    "CNAME": _name_error,
    "NS": _name_error,
    "PTR": _name_error,
    "DNAME": _name_error,
    "MX": _mx_error,
    "SRV": _srv_error,
    "CAA": _caa_error,
}


def target_error(record_type: str, target: str, alias: bool) -> str | None:
    """Why `target` cannot be a `record_type` value, or None."""
    rule = _TARGET_RULES.get(record_type)
    return None if rule is None else rule(record_type, target, alias)


def _ttl(value: Any) -> tuple[int, str | None]:
    if value is None:
        return 0, None
    if isinstance(value, bool):
        return 0, f"recordTTL {value!r} is not an integer"
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        number = int(value)
    else:
        return 0, f"recordTTL {value!r} is not an integer"
    if not 0 <= number <= ann.TTL_MAX:
        return 0, f"recordTTL {number} is outside 0..{ann.TTL_MAX}"
    return number, None


def _properties(raw: Any) -> tuple[dict[str, str], list[str]]:
    props: dict[str, str] = {}
    errors: list[str] = []
    for i, item in enumerate(as_list(raw)):
        entry = as_map(item)
        name = as_str(entry.get("name")).strip()
        if not name:
            errors.append(f"providerSpecific[{i}] has no name")
            continue
        value, why = ann.validate_property(name, as_str(entry.get("value")))
        if why is not None:
            errors.append(f"providerSpecific {name}={as_str(entry.get('value'))!r}: {why}")
        elif value:
            props[name] = value
    return ann.finish_properties(props), errors


def _record_type(raw: Mapping[str, Any], targets: list[str]) -> tuple[str, str | None]:
    """The entry's record type (inferred from the targets when not given), or why there is none."""
    record_type = as_str(raw.get("recordType")).strip().upper()
    if not record_type:
        inferred = {suitable_type(ann.without_root_dot(t)) for t in targets}
        if len(inferred) != 1:
            return "", "recordType is missing and the targets mix types"
        record_type = inferred.pop()
    if record_type not in RECORD_TYPES:
        return "", f"unsupported recordType {record_type!r}"
    return record_type, None


def _target_errors(record_type: str, targets: list[str], props: Mapping[str, str]) -> list[str]:
    if record_type == "CNAME" and len(set(targets)) > 1:
        return [f"a CNAME holds one target, got {len(set(targets))}"]
    alias = props.get(ALIAS) in ("true", "A", "AAAA")
    return [
        f"invalid target {t!r}: {why}"
        for t in targets
        if (why := target_error(record_type, t if record_type in ("TXT", "NAPTR") else ann.without_root_dot(t), alias))
    ]


def entry(
    index: int, raw: Mapping[str, Any], subject: str, default_targets: bool, field: str = "spec.endpoints"
) -> tuple[Endpoint | None, list[Problem]]:
    """One endpoint as a DNSEndpoint writes it (the connector source's endpoints have the same shape),
    checked; `field` names where it was read in the problems."""
    dns_name = as_str(raw.get("dnsName")).strip()
    where = f"{field}[{index}]" + (f" ({dns_name})" if dns_name else "")

    def problem(reason: str, why: str) -> Problem:
        return Problem(subject, reason, f"{where}: {why}")

    name, bad = ann.check_hostname(dns_name, subject, f"{where}: dnsName") if dns_name else (None, None)
    if name is None:
        return None, [bad or problem(INVALID_ENDPOINT, "dnsName is missing")]

    targets = [as_str(t).strip() for t in as_list(raw.get("targets")) if as_str(t).strip()]
    if not targets and not default_targets:
        return None, [problem(MISSING_TARGETS, "no targets")]

    # Without targets, --default-targets replaces the entry by records of their own types (postprocess).
    record_type, why = _record_type(raw, targets) if targets else ("A", None)
    if why is not None:
        return None, [problem(INVALID_ENDPOINT, why)]

    props, errors = _properties(raw.get("providerSpecific"))
    errors = errors or _target_errors(record_type, targets, props)
    if errors:
        return None, [problem(INVALID_ENDPOINT, e) for e in errors]

    ttl, why = _ttl(raw.get("recordTTL"))
    problems = [] if why is None else [problem(INVALID_ENDPOINT, why + "; using the default")]
    labels = {k: v for k, v in str_map(raw.get("labels")).items() if k not in RESERVED_LABELS}
    labels[RESOURCE_LABEL] = subject
    endpoint = Endpoint.new(
        name,
        record_type,
        targets,
        ttl=ttl,
        set_identifier=as_str(raw.get("setIdentifier")).strip(),
        provider_specific=props,
        labels=labels,
    )
    return endpoint, problems


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    subject = resource(KIND, obj)
    if not ann.controller_matches(obj, config.controller_name, prefixes=config.annotation_prefixes):
        return SourceResult()
    result = SourceResult()
    for index, raw in enumerate(as_list(dig(obj, "spec", "endpoints"))):
        if raw is None:
            continue  # not an object where the object was read; reported there (kube.resources.decode)
        if not isinstance(raw, Mapping):
            result.problems.append(
                Problem(subject, INVALID_ENDPOINT, f"spec.endpoints[{index}]: not an object")
            )
            continue
        endpoint, problems = entry(index, raw, subject, bool(config.default_targets))
        result.problems += problems
        if endpoint is not None:
            result.endpoints.append(endpoint)
    return finish(result)


SPEC = SourceSpec("crd", DNSENDPOINTS, endpoints, (DNSENDPOINTS,), only_itself(DNSENDPOINTS), KIND)
