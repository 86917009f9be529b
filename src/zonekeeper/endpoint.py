"""The record model shared by every stage: sources produce Endpoints, the plan compares them,
the registry labels them with ownership and providers read and write them.

An Endpoint is an immutable value. Names are kept lower-case without a trailing dot and targets
are kept sorted, so two Endpoints describing the same record compare equal whatever the source
wrote; that is what keeps a second pass over unchanged input free of changes.
"""

from __future__ import annotations

import ipaddress
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from zonekeeper import idn

# Label keys, as external-dns writes them into the TXT registry (without the "external-dns/" prefix).
OWNER_LABEL = "owner"
RESOURCE_LABEL = "resource"
# external-dns keeps the nonce of an encrypted TXT under this label name; a DNSEndpoint may not set
# it (sources/crd.py). zonekeeper keeps the nonce inside the TXT registry, never in labels.
TXT_NONCE_LABEL = "txt-encryption-nonce"

# Provider-specific property names (external-dns's names, so DNSEndpoint objects carry over).
ALIAS = "alias"
EVALUATE_TARGET_HEALTH = "aws/evaluate-target-health"
# Pins a record to one hosted zone (zone assignment reads it; the Route 53 provider never writes it).
HOSTED_ZONE_ID = "aws/hosted-zone-id"

RECORD_TYPES = ("A", "AAAA", "CNAME", "TXT", "SRV", "NS", "PTR", "MX", "NAPTR", "CAA", "DNAME")
# Record types whose targets are names and so lose a trailing dot like the record name does.
# Exactly the dotted quads ipaddress.IPv4Address accepts (ASCII digits, no leading zeros, each octet
# <= 255), which are also its canonical text: the common target is checked without building an
# address object (a tenth of planning 10,000 Services went there).
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")


def is_ipv4(text: str) -> bool:
    """True when `text` is an IPv4 address as ipaddress.IPv4Address reads one."""
    return _IPV4.fullmatch(text) is not None


_NAME_TARGET_TYPES = frozenset({"CNAME", "NS", "PTR", "DNAME"})

Pairs = tuple[tuple[str, str], ...]


def normalize_name(name: str) -> str:
    """DNS names compare case-insensitively, with or without the root dot, in ASCII (punycode)."""
    name = name.strip().rstrip(".")
    # One canonical form for every name (zonekeeper.idn): ASCII, lower case. A source's Unicode
    # hostname was already checked (and reported if it cannot be encoded) by annotations.
    name = name.lower() if name.isascii() else idn.canonical(name)
    # Route 53 returns a leading wildcard escaped as octal.
    if name.startswith("\\052"):
        name = "*" + name[4:]
    return name


def normalize_target(record_type: str, target: str) -> str:
    target = target.strip()
    if record_type in _NAME_TARGET_TYPES:
        return target.rstrip(".").lower()
    if record_type == "AAAA":
        try:
            return str(ipaddress.IPv6Address(target))
        except ValueError:
            return target.rstrip(".").lower()  # an alias AAAA carries a hostname
    if record_type == "A":
        return target.rstrip(".").lower()
    return target


def suitable_type(target: str) -> str:
    """The record type a bare target asks for: IPv4 -> A, IPv6 -> AAAA, anything else -> CNAME."""
    if is_ipv4(target):
        return "A"
    try:
        address = ipaddress.ip_address(target)
    except ValueError:
        return "CNAME"
    return "A" if address.version == 4 else "AAAA"


def _pairs(items: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Pairs:
    if items is None:
        return ()
    # The exact-class test first: the Mapping ABC check is slow, and nearly every caller passes a dict.
    source = items.items() if items.__class__ is dict or isinstance(items, Mapping) else items
    return tuple(sorted((str(k), str(v)) for k, v in source))


@dataclass(slots=True, frozen=True, order=True)
class Key:
    """What makes a record set unique in a zone (Route 53's name + type + SetIdentifier)."""

    name: str
    type: str
    set_identifier: str = ""

    def __str__(self) -> str:
        suffix = f" [{self.set_identifier}]" if self.set_identifier else ""
        return f"{self.name} {self.type}{suffix}"


@dataclass(slots=True, frozen=True)
class Endpoint:
    name: str
    type: str
    targets: tuple[str, ...]
    ttl: int = 0  # 0: not configured, the provider's default applies
    set_identifier: str = ""
    provider_specific: Pairs = ()
    labels: Pairs = field(default=(), compare=True)

    @classmethod
    def new(
        cls,
        name: str,
        record_type: str,
        targets: Iterable[str],
        *,
        ttl: int = 0,
        set_identifier: str = "",
        provider_specific: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        labels: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> Endpoint:
        """Build an Endpoint in canonical form; use this rather than the constructor."""
        # One object per type: records read from Route 53 brought a copy each (10 MB at 200,000 records).
        record_type = sys.intern(record_type.upper())
        normalized = sorted({normalize_target(record_type, t) for t in targets if t.strip()})
        return cls(
            name=normalize_name(name),
            type=record_type,
            targets=tuple(normalized),
            ttl=int(ttl),
            set_identifier=set_identifier,
            provider_specific=_pairs(provider_specific),
            labels=_pairs(labels),
        )

    @property
    def key(self) -> Key:
        return Key(self.name, self.type, self.set_identifier)

    def label(self, key: str, default: str = "") -> str:
        for k, v in self.labels:
            if k == key:
                return v
        return default

    def prop(self, key: str, default: str | None = None) -> str | None:
        for k, v in self.provider_specific:
            if k == key:
                return v
        return default

    @property
    def owner(self) -> str:
        return self.label(OWNER_LABEL)

    @property
    def resource(self) -> str:
        return self.label(RESOURCE_LABEL)

    @property
    def subject(self) -> str:
        """What a Problem about this record is reported under: its object, else the record itself."""
        return self.resource or str(self.key)

    @property
    def is_alias(self) -> bool:
        return self.prop(ALIAS) in ("true", "A", "AAAA")

    def with_labels(self, **updates: str | None) -> Endpoint:
        """A copy with labels set (a value of None removes the label)."""
        labels = dict(self.labels)
        for k, v in updates.items():
            if v is None:
                labels.pop(k, None)
            else:
                labels[k] = v
        # The constructor rather than `dataclasses.replace`, which walks the fields each time (two
        # copies per endpoint of 10,000 Services, a tenth of the sources' time).
        return Endpoint(self.name, self.type, self.targets, self.ttl, self.set_identifier, self.provider_specific,
                        _pairs(labels))

    def with_provider_specific(self, props: Mapping[str, str]) -> Endpoint:
        return Endpoint(self.name, self.type, self.targets, self.ttl, self.set_identifier, _pairs(props),
                        self.labels)

    def evolve(self, **changes: object) -> Endpoint:
        return replace(self, **changes)  # type: ignore[arg-type]

    def same_record(self, other: Endpoint) -> bool:
        """True when both describe the same DNS data (labels aside)."""
        # Field by field rather than through `key`: the planner asks this of every record of a zone.
        return (
            self.name == other.name
            and self.type == other.type
            and self.set_identifier == other.set_identifier
            and self.targets == other.targets
            and self.ttl == other.ttl
            and self.provider_specific == other.provider_specific
        )

    def __str__(self) -> str:
        ident = f" [{self.set_identifier}]" if self.set_identifier else ""
        return f"{self.name} {self.type}{ident} -> {','.join(self.targets)}"


def by_resource(ep: Endpoint) -> tuple[str, str, str, str, tuple[str, ...], int, Pairs]:
    """The order desired endpoints are planned and shown in: by object, then record set (name, type,
    SetIdentifier), targets, TTL, provider-specific. Plain fields, not `key`: building a Key for each
    of 100,000 endpoints, and comparing Keys, was half of sorting them at the start of a full pass."""
    return (ep.resource, ep.name, ep.type, ep.set_identifier, ep.targets, ep.ttl, ep.provider_specific)


@dataclass(slots=True, frozen=True)
class Problem:
    """Bad input or a refused change, reported against the object or record it concerns.

    `subject` names the Kubernetes object (`service/ns/name`) or the record (`name TYPE`).
    `reason` is a short CamelCase code for metrics and Events; `message` is for people.
    """

    subject: str
    reason: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"
