"""A read-only view of the cluster's objects, as the sources see it.

Sources are pure functions of (object, ObjectView, SourceConfig). The view is filled from YAML
files by `zonekeeper.manifests`, or from informer caches by the live controller; sources never
know which.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

Obj = Mapping[str, Any]

@dataclass(slots=True, frozen=True)
class KindInfo:
    """Where a kind's objects live in the API (`kube.resources.RESOURCES` serves them from this)."""

    group: str  # "" for the core group
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def name(self) -> str:
        """The resource name used as the kind throughout zonekeeper: `<plural>` for the core group,
        `<plural>.<group>` otherwise, as kubectl spells them."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


# resource name -> KindInfo: every kind zonekeeper reads, declared once each (below).
KIND_INFO: dict[str, KindInfo] = {}
# (apiVersion group, kind) -> resource name, for objects read from files.
KINDS: dict[tuple[str, str], str] = {}


def _kind(group: str, version: str, plural: str, kind: str, *, namespaced: bool = True) -> str:
    return register_kind(KindInfo(group, version, plural, kind, namespaced))


def register_kind(info: KindInfo) -> str:
    """Declare a kind (at import, or at start-up for the ones only flags name: `--unstructured-resource`);
    a kind already declared keeps its declaration. Its name is returned."""
    if info.name not in KIND_INFO:
        KIND_INFO[info.name] = info
        KINDS[(info.group, info.kind)] = info.name
    return info.name


SERVICES = _kind("", "v1", "services", "Service")
NODES = _kind("", "v1", "nodes", "Node", namespaced=False)
PODS = _kind("", "v1", "pods", "Pod")
NAMESPACES = _kind("", "v1", "namespaces", "Namespace", namespaced=False)
ENDPOINTSLICES = _kind("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice")
INGRESSES = _kind("networking.k8s.io", "v1", "ingresses", "Ingress")
ISTIO_GATEWAYS = _kind("networking.istio.io", "v1", "gateways", "Gateway")
ISTIO_VIRTUALSERVICES = _kind("networking.istio.io", "v1", "virtualservices", "VirtualService")
DNSENDPOINTS = _kind("externaldns.k8s.io", "v1alpha1", "dnsendpoints", "DNSEndpoint")
GATEWAYS = _kind("gateway.networking.k8s.io", "v1", "gateways", "Gateway")
HTTPROUTES = _kind("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute")
GRPCROUTES = _kind("gateway.networking.k8s.io", "v1", "grpcroutes", "GRPCRoute")
TLSROUTES = _kind("gateway.networking.k8s.io", "v1", "tlsroutes", "TLSRoute")
# external-dns v0.23.0 reads TCPRoutes and UDPRoutes at v1alpha2 (Gateway API's experimental
# channel serves it beside v1); reading the same version keeps the same clusters working.
TCPROUTES = _kind("gateway.networking.k8s.io", "v1alpha2", "tcproutes", "TCPRoute")
UDPROUTES = _kind("gateway.networking.k8s.io", "v1alpha2", "udproutes", "UDPRoute")
# Ingress controllers' CRDs, at the versions external-dns v0.23.0 reads.
HTTPPROXIES = _kind("projectcontour.io", "v1", "httpproxies", "HTTPProxy")
TCPINGRESSES = _kind("configuration.konghq.com", "v1beta1", "tcpingresses", "TCPIngress")
AMBASSADOR_HOSTS = _kind("getambassador.io", "v3alpha1", "hosts", "Host")
GLOO_PROXIES = _kind("gloo.solo.io", "v1", "proxies", "Proxy")
GLOO_VIRTUALSERVICES = _kind("gateway.solo.io", "v1", "virtualservices", "VirtualService")
GLOO_GATEWAYS = _kind("gateway.solo.io", "v1", "gateways", "Gateway")
# F5 BIG-IP Container Ingress Services, Skipper and OpenShift (issue 11): one line each, to merge easily.
F5_VIRTUALSERVERS = _kind("cis.f5.com", "v1", "virtualservers", "VirtualServer")
F5_TRANSPORTSERVERS = _kind("cis.f5.com", "v1", "transportservers", "TransportServer")
ROUTEGROUPS = _kind("zalando.org", "v1", "routegroups", "RouteGroup")
OPENSHIFT_ROUTES = _kind("route.openshift.io", "v1", "routes", "Route")
# Read only with --gateway-listener-sets, at v1 as external-dns v0.23.0 (Gateway API v1.5+) reads it.
LISTENERSETS = _kind("gateway.networking.k8s.io", "v1", "listenersets", "ListenerSet")
# Traefik's routers, in its group and in the legacy one Traefik v2 used (external-dns reads both).
TRAEFIK_INGRESSROUTES = _kind("traefik.io", "v1alpha1", "ingressroutes", "IngressRoute")
TRAEFIK_INGRESSROUTETCPS = _kind("traefik.io", "v1alpha1", "ingressroutetcps", "IngressRouteTCP")
TRAEFIK_INGRESSROUTEUDPS = _kind("traefik.io", "v1alpha1", "ingressrouteudps", "IngressRouteUDP")
TRAEFIK_LEGACY_INGRESSROUTES = _kind("traefik.containo.us", "v1alpha1", "ingressroutes", "IngressRoute")
TRAEFIK_LEGACY_INGRESSROUTETCPS = _kind("traefik.containo.us", "v1alpha1", "ingressroutetcps", "IngressRouteTCP")
TRAEFIK_LEGACY_INGRESSROUTEUDPS = _kind("traefik.containo.us", "v1alpha1", "ingressrouteudps", "IngressRouteUDP")



# Where `kube.resources.slim` keeps what was wrong with the shape of an object from the API (the
# fields it had to leave out), for `sources.run_one` to report against the object. Not a field of
# any Kubernetes object; slimming drops anything else at the top level.
SHAPE_ERRORS = "zonekeeperShapeErrors"
# The Problem reason for an object (or a field of one) that does not have the shape its kind
# requires, whether read from the API or from a file.
INVALID_OBJECT = "InvalidObject"


def resource_label(label_kind: str, namespace: str, name: str) -> str:
    """The `resource` label naming an object: `<kind>/<namespace>/<name>`, or `<kind>/<name>` for a
    cluster-scoped one (external-dns's `node/<name>`)."""
    return f"{label_kind}/{namespace}/{name}" if namespace else f"{label_kind}/{name}"


def parse_resource_label(label: str) -> tuple[str, str, str] | None:
    """(label kind, namespace, name) of a `resource` label; namespace "" for `<kind>/<name>`.
    None for anything else (a record's `name TYPE` subject, a file)."""
    parts = label.split("/")
    if not all(parts):
        return None
    if len(parts) == 2:
        return parts[0], "", parts[1]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    return None


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
    return m if m.__class__ is dict or isinstance(m, Mapping) else {}  # dict first: the ABC check is slow


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
