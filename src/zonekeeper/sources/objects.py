"""A read-only view of the cluster's objects, as the sources see it.

Sources are pure functions of (object, ObjectView, SourceConfig). The view is filled from YAML
files by `zonekeeper.manifests`, or from informer caches by the live controller; sources never
know which.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol

Obj = Mapping[str, Any]

# Resource names used as kinds throughout zonekeeper: `<plural>` for the core/well-known groups and
# `<plural>.<group>` for CRDs, as kubectl spells them.
SERVICES = "services"
NODES = "nodes"
PODS = "pods"
ENDPOINTSLICES = "endpointslices.discovery.k8s.io"
INGRESSES = "ingresses.networking.k8s.io"
ISTIO_GATEWAYS = "gateways.networking.istio.io"
ISTIO_VIRTUALSERVICES = "virtualservices.networking.istio.io"
DNSENDPOINTS = "dnsendpoints.externaldns.k8s.io"
GATEWAYS = "gateways.gateway.networking.k8s.io"
HTTPROUTES = "httproutes.gateway.networking.k8s.io"

# (apiVersion group, kind) -> resource name, for objects read from files.
KINDS: dict[tuple[str, str], str] = {
    ("", "Service"): SERVICES,
    ("", "Node"): NODES,
    ("", "Pod"): PODS,
    ("discovery.k8s.io", "EndpointSlice"): ENDPOINTSLICES,
    ("networking.k8s.io", "Ingress"): INGRESSES,
    ("networking.istio.io", "Gateway"): ISTIO_GATEWAYS,
    ("networking.istio.io", "VirtualService"): ISTIO_VIRTUALSERVICES,
    ("externaldns.k8s.io", "DNSEndpoint"): DNSENDPOINTS,
    ("gateway.networking.k8s.io", "Gateway"): GATEWAYS,
    ("gateway.networking.k8s.io", "HTTPRoute"): HTTPROUTES,
}


# Where `kube.resources.slim` keeps what was wrong with the shape of an object from the API (the
# fields it had to leave out), for `sources.run_one` to report against the object. Not a field of
# any Kubernetes object; slimming drops anything else at the top level.
SHAPE_ERRORS = "zonekeeperShapeErrors"
# The Problem reason for an object (or a field of one) that does not have the shape its kind
# requires, whether read from the API or from a file.
INVALID_OBJECT = "InvalidObject"


def shape_errors(obj: Obj) -> tuple[str, ...]:
    found = obj.get(SHAPE_ERRORS)
    return tuple(found) if isinstance(found, tuple | list) else ()


def resource_of(obj: Obj) -> str | None:
    """The resource name for an object dict, or None for kinds zonekeeper does not read."""
    api_version = str(obj.get("apiVersion", ""))
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    return KINDS.get((group, str(obj.get("kind", ""))))


def meta(obj: Obj) -> Mapping[str, Any]:
    m = obj.get("metadata")
    return m if isinstance(m, Mapping) else {}


def name_of(obj: Obj) -> str:
    return str(meta(obj).get("name", ""))


def namespace_of(obj: Obj) -> str:
    return str(meta(obj).get("namespace", "") or "")


class ObjectView(Protocol):
    def get(self, kind: str, namespace: str, name: str) -> Obj | None: ...

    def list(self, kind: str, namespace: str | None = None) -> Iterable[Obj]: ...


class ObjectStore:
    """A plain in-memory ObjectView: kind -> (namespace, name) -> object."""

    def __init__(self, objects: Iterable[Obj] = ()) -> None:
        self._by_kind: dict[str, dict[tuple[str, str], Obj]] = {}
        for obj in objects:
            self.add(obj)

    def add(self, obj: Obj, kind: str | None = None) -> None:
        kind = kind or resource_of(obj)
        if kind is None:
            raise ValueError(f"unsupported object kind {obj.get('apiVersion')}/{obj.get('kind')}")
        self._by_kind.setdefault(kind, {})[(namespace_of(obj), name_of(obj))] = obj

    def remove(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self._by_kind.get(kind, {}).pop((namespace, name), None)

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self._by_kind.get(kind, {}).get((namespace, name))

    def list(self, kind: str, namespace: str | None = None) -> Iterator[Obj]:
        for (ns, _), obj in self._by_kind.get(kind, {}).items():
            if namespace is None or ns == namespace:
                yield obj

    def kinds(self) -> builtins.list[str]:  # `list` here would name the method above
        return sorted(self._by_kind)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_kind.values())
