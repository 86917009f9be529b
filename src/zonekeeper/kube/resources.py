"""The resource types zonekeeper watches, and which fields of each it keeps.

Only the fields the sources read are kept (`SHAPES`), so 10,000 Services cost a few MB, not the
~6 KB per object of a full decode (managedFields, last-applied annotations and the like go).
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from zonekeeper import annotations as ann
from zonekeeper.kube.dnsstatus import INGRESS_ANNOTATION
from zonekeeper.sources import compatibility
from zonekeeper.sources import objects as kinds


# Here, not in kube/client.py: reading objects from files needs it, and not aiohttp (0.5 s to import).
@dataclass(slots=True, frozen=True)
class Resource:
    """A Kubernetes resource type: where its objects live in the API."""

    group: str  # "" for the core group
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None, subresource: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace and self.namespaced:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        if name:
            base += f"/{name}"
            if subresource:
                base += f"/{subresource}"
        return base

    def __str__(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural


RESOURCES: dict[str, Resource] = {
    name: Resource(info.group, info.version, info.plural, info.kind, namespaced=info.namespaced)
    for name, info in kinds.KIND_INFO.items()
}

EVENTS = Resource("", "v1", "events", "Event")
LEASES = Resource("coordination.k8s.io", "v1", "leases", "Lease")

# Annotations worth keeping: ours under any prefix (--annotation-prefix may name any; the informer
# does not know which), the ingress class, the ambassador-host Service, the legacy ones --compatibility
# reads, and the one an Ingress's DNS status is written to.
KEPT_ANNOTATIONS = frozenset({ann.INGRESS_CLASS_ANNOTATION, ann.AMBASSADOR_SERVICE_ANNOTATION,
                              *compatibility.ANNOTATIONS, INGRESS_ANNOTATION})

# A shape lists the keys kept at each level and the type each must have: a dict is an object of
# those keys, a one-element list `[shape]` is a list of such elements, a `Leaf` is a value kept
# whole (`ANY`, or `True`, is kept unchecked). Everything zonekeeper reads of an object is decoded
# against these shapes in one place, `decode`, whether the object comes from a file or from the API.
Shape = Mapping[str, Any]


class Leaf:
    """A value kept whole, of one expected type (`check` None: unchecked)."""

    __slots__ = ("check", "want")

    def __init__(self, want: str, check: Callable[[Any], bool] | None) -> None:
        self.want = want
        self.check = check

    def __repr__(self) -> str:
        return f"Leaf({self.want})"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


ANY = Leaf("anything", None)
STR = Leaf("a string", lambda v: isinstance(v, str))
INT = Leaf("an integer", _is_int)
BOOL = Leaf("true or false", lambda v: isinstance(v, bool))
# Lists of strings and string maps (labels, annotations, selectors) are checked entry by entry.
STRS = Leaf("a list of strings", None)
STR_MAP = Leaf("a map of strings", None)

_META: Shape = {"name": STR, "namespace": STR, "uid": STR, "resourceVersion": STR, "generation": INT,
                "labels": STR_MAP, "annotations": STR_MAP, "deletionTimestamp": ANY}
_LB_STATUS: Shape = {"loadBalancer": {"ingress": [{"ip": STR, "hostname": STR}]}}

_PARENT_REF: Shape = {"group": STR, "kind": STR, "namespace": STR, "name": STR, "sectionName": STR, "port": INT}
_PARENT_REFS = [_PARENT_REF]
_LISTENERS = [{"name": STR, "hostname": STR, "port": INT, "protocol": STR, "allowedRoutes": ANY}]
# Status conditions as zonekeeper.kube.dnsstatus compares them with what it would write.
_CONDITIONS = [{"type": STR, "status": STR, "reason": STR, "message": STR, "observedGeneration": INT,
                "lastTransitionTime": STR}]
# Kept whole: zonekeeper's entries are rewritten into this list as read (it is atomic, and the other
# controllers' entries must go back exactly as they are, fields unknown to us included).
_ROUTE_STATUS: Shape = {"parents": ANY}
_ROUTE: Shape = {"metadata": _META, "spec": {"hostnames": STRS, "parentRefs": _PARENT_REFS}, "status": _ROUTE_STATUS}
_ROUTE_WITHOUT_HOSTNAMES: Shape = {"metadata": _META, "spec": {"parentRefs": _PARENT_REFS}, "status": _ROUTE_STATUS}
_TRAEFIK_ROUTE: Shape = {"metadata": _META, "spec": {"routes": [{"match": STR}]}}

_GLOO_STATIC_SOURCE: Shape = {"resourceKind": STR, "resourceRef": {"name": STR, "namespace": STR}}
_GLOO_VIRTUAL_HOST: Shape = {"domains": STRS, "metadata": {"sources": [{"kind": STR, "name": STR, "namespace": STR}]},
                             "metadataStatic": {"sources": [_GLOO_STATIC_SOURCE]}}

SHAPES: dict[str, Shape] = {
    kinds.SERVICES: {"metadata": _META, "spec": {
        "type": STR, "clusterIP": STR, "clusterIPs": STRS, "externalIPs": STRS, "externalName": STR,
        "selector": STR_MAP, "externalTrafficPolicy": STR, "publishNotReadyAddresses": BOOL,
        "ports": [{"name": STR, "port": INT, "nodePort": INT, "protocol": STR}]},
        "status": {**_LB_STATUS, "conditions": _CONDITIONS}},
    kinds.NODES: {"metadata": {"name": STR, "uid": STR, "resourceVersion": STR, "labels": STR_MAP,
                               "annotations": STR_MAP},
                  "spec": {"unschedulable": BOOL}, "status": {"addresses": [{"type": STR, "address": STR}]}},
    # Their labels decide which Gateway API routes a listener admits (allowedRoutes.namespaces.selector).
    kinds.NAMESPACES: {"metadata": {"name": STR, "uid": STR, "resourceVersion": STR, "labels": STR_MAP}},
    kinds.PODS: {"metadata": _META, "spec": {"nodeName": STR, "hostname": STR, "subdomain": STR, "hostNetwork": BOOL},
                 "status": {"podIP": STR, "podIPs": [{"ip": STR}], "hostIP": STR, "phase": STR,
                            "conditions": [{"type": STR, "status": STR}]}},
    kinds.ENDPOINTSLICES: {"metadata": _META, "addressType": STR, "endpoints": [{
        "addresses": STRS, "conditions": {"ready": BOOL, "serving": BOOL, "terminating": BOOL},
        "hostname": STR, "nodeName": STR, "targetRef": {"kind": STR, "name": STR, "namespace": STR}}]},
    kinds.INGRESSES: {"metadata": _META, "spec": {"ingressClassName": STR, "rules": [{"host": STR}],
                                                  "tls": [{"hosts": STRS}]}, "status": _LB_STATUS},
    kinds.ISTIO_GATEWAYS: {"metadata": _META, "spec": {"selector": STR_MAP, "servers": [{"hosts": STRS}]}},
    kinds.ISTIO_VIRTUALSERVICES: {"metadata": _META, "spec": {"hosts": STRS, "gateways": STRS, "exportTo": STRS}},
    # recordTTL may be a number or a numeric string; the crd source judges it (and the values).
    kinds.DNSENDPOINTS: {"metadata": _META, "spec": {"endpoints": [{
        "dnsName": STR, "targets": STRS, "recordType": STR, "recordTTL": ANY, "setIdentifier": STR,
        "labels": STR_MAP, "providerSpecific": [{"name": STR, "value": STR}]}]},
                         "status": {"observedGeneration": INT, "conditions": ANY}},
    # allowedListeners: which namespaces' ListenerSets may add listeners (--gateway-listener-sets).
    kinds.GATEWAYS: {"metadata": _META, "spec": {"gatewayClassName": STR, "listeners": _LISTENERS,
                                                 "allowedListeners": ANY},
                     "status": {"addresses": [{"type": STR, "value": STR}]}},
    kinds.LISTENERSETS: {"metadata": _META, "spec": {
        "parentRef": {"group": STR, "kind": STR, "namespace": STR, "name": STR}, "listeners": _LISTENERS}},
    kinds.HTTPROUTES: _ROUTE,
    kinds.GRPCROUTES: _ROUTE,
    kinds.TLSROUTES: _ROUTE,
    # TCPRoutes and UDPRoutes have no hostnames: their names come from the hostname annotation.
    kinds.TCPROUTES: _ROUTE_WITHOUT_HOSTNAMES,
    kinds.UDPROUTES: _ROUTE_WITHOUT_HOSTNAMES,
    # Ingress controllers' CRDs: contour-httpproxy, kong-tcpingress, ambassador-host, gloo-proxy.
    kinds.HTTPPROXIES: {"metadata": _META, "spec": {"virtualhost": {"fqdn": STR}}, "status": _LB_STATUS},
    kinds.TCPINGRESSES: {"metadata": _META, "spec": {"rules": [{"host": STR}]}, "status": _LB_STATUS},
    kinds.AMBASSADOR_HOSTS: {"metadata": _META, "spec": {"hostname": STR}},
    # httpResources.virtualHosts maps virtual host names (any) to virtual hosts: kept whole.
    kinds.GLOO_PROXIES: {"metadata": _META, "spec": {"listeners": [{
        "httpListener": {"virtualHosts": [_GLOO_VIRTUAL_HOST]},
        "aggregateListener": {"httpFilterChains": [{"virtualHostRefs": STRS}],
                              "httpResources": {"virtualHosts": ANY}},
        "metadataStatic": {"sources": [_GLOO_STATIC_SOURCE]}}]}},
    # Only their annotations are read (a VirtualService's ttl and aws-*, a Gateway's ingress).
    kinds.GLOO_VIRTUALSERVICES: {"metadata": _META},
    kinds.GLOO_GATEWAYS: {"metadata": _META},
    # F5 CIS, Skipper and OpenShift (issue 11): one entry each, to merge easily.
    kinds.F5_VIRTUALSERVERS: {"metadata": _META, "spec": {"host": STR, "hostAliases": STRS,
                                                          "virtualServerAddress": STR}, "status": {"vsAddress": STR}},
    kinds.F5_TRANSPORTSERVERS: {"metadata": _META, "spec": {"host": STR, "virtualServerAddress": STR},
                                "status": {"vsAddress": STR}},
    # Skipper's CRD spells it `routegroup`; external-dns (Go's case-insensitive JSON) takes `routeGroup` too.
    kinds.ROUTEGROUPS: {"metadata": _META, "spec": {"hosts": STRS}, "status": {"loadBalancer": {
        "routegroup": [{"ip": STR, "hostname": STR}], "routeGroup": [{"ip": STR, "hostname": STR}]}}},
    # The host and target come from the routers' status entries; spec.host only for --fqdn-template.
    kinds.OPENSHIFT_ROUTES: {"metadata": _META, "spec": {"host": STR}, "status": {"ingress": [{
        "host": STR, "routerName": STR, "routerCanonicalHostname": STR,
        "conditions": [{"type": STR, "status": STR}]}]}},
    # Traefik: the rules' host matchers name the records; IngressRouteUDP has none (annotations only).
    **{kind: _TRAEFIK_ROUTE for kind in (kinds.TRAEFIK_INGRESSROUTES, kinds.TRAEFIK_INGRESSROUTETCPS,
                                         kinds.TRAEFIK_LEGACY_INGRESSROUTES, kinds.TRAEFIK_LEGACY_INGRESSROUTETCPS)},
    kinds.TRAEFIK_INGRESSROUTEUDPS: {"metadata": _META},
    kinds.TRAEFIK_LEGACY_INGRESSROUTEUDPS: {"metadata": _META},
}


def declare(info: kinds.KindInfo) -> str:
    """A kind known only at start-up (`--unstructured-resource`), served and slimmed from now on: only
    its metadata is kept, which is all the unstructured source reads. A kind already known is left as is."""
    name = kinds.register_kind(info)
    RESOURCES.setdefault(name, Resource(info.group, info.version, info.plural, info.kind, namespaced=info.namespaced))
    SHAPES.setdefault(name, {"metadata": _META})
    return name


def is_leaf(sub: Any) -> bool:
    return sub is True or isinstance(sub, Leaf)


def element_shape(sub: Any) -> Any:
    """The shape of a field's value, or of each of its elements when it is a list."""
    return sub[0] if isinstance(sub, list) else sub


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 40
_SHORT.maxlevel = 2


def _what(value: Any) -> str:
    kind = ("an object" if isinstance(value, Mapping) else "a list" if isinstance(value, list)
            else "true or false" if isinstance(value, bool) else "a number" if isinstance(value, int | float)
            else "a string" if isinstance(value, str) else f"a {type(value).__name__}")
    return f"{kind} ({_SHORT.repr(value)})"


def _strings(value: Any, path: str, errors: list[str]) -> list[str | None] | None:
    if not isinstance(value, list):
        errors.append(f"{path}: expected a list of strings, got {_what(value)}")
        return None
    out: list[str | None] = []
    for i, item in enumerate(value):
        if isinstance(item, str) or item is None:
            out.append(item)
        else:
            errors.append(f"{path}[{i}]: expected a string, got {_what(item)}")
            out.append(None)  # not dropped: later entries keep their index for messages
    return out


def _string_map(value: Any, path: str, errors: list[str]) -> dict[str, str] | None:
    if not isinstance(value, Mapping):
        errors.append(f"{path}: expected a map of strings, got {_what(value)}")
        return None
    out: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            errors.append(f"{path}: key {_what(key)} is not a string")
        elif item is None:
            out[key] = ""  # as the API server reads a JSON null here
        elif isinstance(item, str):
            out[key] = item
        else:
            # Kubernetes refuses these too (`ttl: 60` must be written `ttl: "60"`).
            errors.append(f"{path}[{key!r}]: expected a string, got {_what(item)}")
    return out


def _leaf(value: Any, leaf: Any, path: str, errors: list[str]) -> Any:
    """The value, or _DROP when it does not have the leaf's type (with an error)."""
    if leaf is STRS:
        found: Any = _strings(value, path, errors)
    elif leaf is STR_MAP:
        found = _string_map(value, path, errors)
    elif leaf is True or leaf.check is None or leaf.check(value):
        return value
    else:
        errors.append(f"{path}: expected {leaf.want}, got {_what(value)}")
        found = None
    return _DROP if found is None else found


_DROP = object()


def _decode(value: Any, shape: Any, path: str, errors: list[str], prune: bool) -> Any:
    if isinstance(shape, list):
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list, got {_what(value)}")
            return _DROP
        # A bad element becomes None rather than vanishing, so later elements keep their index.
        items = [_decode(item, shape[0], f"{path}[{i}]", errors, prune) for i, item in enumerate(value)]
        return [None if item is _DROP else item for item in items]
    if is_leaf(shape):
        return _leaf(value, shape, path, errors)
    if not isinstance(value, dict | Mapping):
        errors.append(f"{path}: expected an object, got {_what(value)}")
        return _DROP
    return _decode_map(value, shape, path, errors, prune)


def _decode_map(value: Mapping[str, Any], shape: Any, path: str, errors: list[str], prune: bool) -> dict[str, Any]:
    out: dict[str, Any] = {} if prune else dict(value)
    prefix = f"{path}." if path else ""
    for key, sub in shape.items():
        item = value.get(key)
        if item is None:
            out.pop(key, None)
            continue
        if sub.__class__ is Leaf and sub.check is not None:
            # The common case, inline: a scalar of the right type (paths are only built for errors).
            if sub.check(item):
                out[key] = item
                continue
            decoded = _leaf(item, sub, prefix + key, errors)
        else:
            decoded = _decode(item, sub, prefix + key, errors, prune)
        if decoded is _DROP:
            out.pop(key, None)
        else:
            out[key] = decoded
    return out


def _valid(value: Any, shape: Any) -> bool:
    """True when `value` fits `shape` as it is (no error, nothing to convert): the quick check that
    lets objects from files, nearly always fine, skip the copy `_decode` makes."""
    if isinstance(shape, list):
        element = shape[0]
        return isinstance(value, list) and all(item is None or _valid(item, element) for item in value)
    if is_leaf(shape):
        return _valid_leaf(value, shape)
    if not isinstance(value, dict):
        return False
    for key, sub in shape.items():
        item = value.get(key)
        if item is not None and not _valid(item, sub):
            return False
    return True


def _valid_leaf(value: Any, shape: Any) -> bool:
    if shape is True or shape is ANY:
        return True
    if shape is STRS:
        return isinstance(value, list) and all(item is None or isinstance(item, str) for item in value)
    if shape is STR_MAP:
        return isinstance(value, dict) and all(k.__class__ is str and v.__class__ is str for k, v in value.items())
    return bool(shape.check(value))


def decode(kind: str, obj: Mapping[str, Any], *, prune: bool = True) -> tuple[dict[str, Any], list[str]]:
    """`obj` with every field of its kind's shape checked: a value of the wrong type is left out,
    and the second item says which and why (`status.loadBalancer.ingress: expected a list, got a
    string ('1.2.3.4')`), so that no object yields less than it says without a word.

    `prune` keeps only the fields of the shape (the informer's slim objects); without it every other
    field stays as it was (objects read from files, which --annotation-filter may look at whole).
    """
    shape = SHAPES[kind]
    if not prune and isinstance(obj, dict) and _valid(obj, shape):
        return obj, []
    errors: list[str] = []
    out = _decode(obj, shape, "", errors, prune)
    return (out if isinstance(out, dict) else {}), errors


def _keep_annotation(key: str) -> bool:
    return ann.is_annotation_key(key) or key in KEPT_ANNOTATIONS


def slim(kind: str, obj: Mapping[str, Any], *, keep_all_annotations: bool = False) -> dict[str, Any]:
    """The parts of `obj` zonekeeper uses, plus apiVersion and kind (sources and manifests rely on them).

    Annotations: ours (under any prefix) and the ingress class, or every one with `keep_all_annotations`
    (what --fqdn-template and --annotation-filter may read).

    Fields of the wrong type are left out; their errors are kept under `objects.SHAPE_ERRORS`, for
    the sources to report against the object (see `sources.run_one`)."""
    out, errors = decode(kind, obj)
    if errors:
        out[kinds.SHAPE_ERRORS] = tuple(errors)
    resource = RESOURCES[kind]
    out["apiVersion"] = obj.get("apiVersion") or resource.api_version
    out["kind"] = obj.get("kind") or resource.kind
    meta = out.get("metadata", {})
    annotations = meta.get("annotations")
    if annotations and not keep_all_annotations:
        meta["annotations"] = {k: v for k, v in annotations.items() if _keep_annotation(k)}
    return out
