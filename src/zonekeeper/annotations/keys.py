"""Finding external-dns annotations on an object: the two prefixes, the keys, the raw reads.

external-dns v0.22 honours exactly one prefix (`--annotation-prefix`). zonekeeper reads both the GA
prefix `external-dns.kubernetes.io/` and the legacy `external-dns.alpha.kubernetes.io/` so that a
cluster can move over without touching its manifests; when an object carries the same key under both
prefixes the GA one wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zonekeeper.endpoint import Problem

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

ACCESS_PUBLIC = "public"
ACCESS_PRIVATE = "private"
ENDPOINTS_TYPE_NODE_EXTERNAL_IP = "NodeExternalIP"
ENDPOINTS_TYPE_HOST_IP = "HostIP"
HOSTNAME_SOURCE_DEFINED_HOSTS_ONLY = "defined-hosts-only"
HOSTNAME_SOURCE_ANNOTATION_ONLY = "annotation-only"

# The Problem reason for an annotation whose value is malformed.
INVALID_ANNOTATION = "InvalidAnnotation"


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


def invalid(subject: str, annotation: str, value: str, why: str) -> Problem:
    return Problem(subject, INVALID_ANNOTATION, f"annotation {annotation}: invalid value {value!r}: {why}")


def controller_matches(obj: Obj, controller_name: str) -> bool:
    """False when the object names another controller and must be left alone."""
    value = get(obj, CONTROLLER)
    return value is None or value == controller_name


def split_list(value: str) -> list[str]:
    """The comma-separated entries of `value`, each without surrounding whitespace; empty entries
    are kept (as "") for the caller to report.

    external-dns deletes every space before splitting, which turns `sp ace.example.com` into
    `space.example.com`; here a space inside an entry stays, and the entry is then refused.
    """
    return [part.strip() for part in value.split(",")]


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
    return None, [invalid(subject, annotation, value, "want one of " + ", ".join(allowed))]
