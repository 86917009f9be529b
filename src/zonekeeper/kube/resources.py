"""The resource types zonekeeper watches, and which fields of each it keeps.

Only the fields the sources read are kept (`SHAPES`), so 10,000 Services cost a few MB, not the
~6 KB per object of a full decode (managedFields, last-applied annotations and the like go).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zonekeeper.kube.client import Resource
from zonekeeper.sources import objects as kinds

RESOURCES: dict[str, Resource] = {
    kinds.SERVICES: Resource("", "v1", "services", "Service"),
    kinds.NODES: Resource("", "v1", "nodes", "Node", namespaced=False),
    kinds.PODS: Resource("", "v1", "pods", "Pod"),
    kinds.ENDPOINTSLICES: Resource("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
    kinds.INGRESSES: Resource("networking.k8s.io", "v1", "ingresses", "Ingress"),
    kinds.ISTIO_GATEWAYS: Resource("networking.istio.io", "v1", "gateways", "Gateway"),
    kinds.ISTIO_VIRTUALSERVICES: Resource("networking.istio.io", "v1", "virtualservices", "VirtualService"),
    kinds.DNSENDPOINTS: Resource("externaldns.k8s.io", "v1alpha1", "dnsendpoints", "DNSEndpoint"),
    kinds.GATEWAYS: Resource("gateway.networking.k8s.io", "v1", "gateways", "Gateway"),
    kinds.HTTPROUTES: Resource("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute"),
}

EVENTS = Resource("", "v1", "events", "Event")
LEASES = Resource("coordination.k8s.io", "v1", "leases", "Lease")

# Annotations worth keeping: ours (both prefixes) and the ingress class.
ANNOTATION_PREFIXES = ("external-dns.alpha.kubernetes.io/", "external-dns.kubernetes.io/")
KEPT_ANNOTATIONS = frozenset({"kubernetes.io/ingress.class"})

# A shape lists the keys kept at each level: `True` keeps the value whole, a dict recurses (into
# every element when the value is a list).
Shape = Mapping[str, Any]

_META: Shape = {"name": True, "namespace": True, "uid": True, "resourceVersion": True, "generation": True,
                "labels": True, "annotations": True, "deletionTimestamp": True}
_LB_STATUS: Shape = {"loadBalancer": {"ingress": {"ip": True, "hostname": True}}}

SHAPES: dict[str, Shape] = {
    kinds.SERVICES: {"metadata": _META, "spec": {
        "type": True, "clusterIP": True, "clusterIPs": True, "externalIPs": True, "externalName": True,
        "selector": True, "externalTrafficPolicy": True, "publishNotReadyAddresses": True,
        "ports": {"name": True, "port": True, "nodePort": True, "protocol": True}}, "status": _LB_STATUS},
    kinds.NODES: {"metadata": {"name": True, "uid": True, "resourceVersion": True, "labels": True},
                  "spec": {"unschedulable": True}, "status": {"addresses": True}},
    kinds.PODS: {"metadata": _META, "spec": {"nodeName": True, "hostname": True, "subdomain": True},
                 "status": {"podIP": True, "podIPs": True, "hostIP": True, "phase": True,
                            "conditions": {"type": True, "status": True}}},
    kinds.ENDPOINTSLICES: {"metadata": _META, "addressType": True, "endpoints": {
        "addresses": True, "conditions": True, "hostname": True, "nodeName": True,
        "targetRef": {"kind": True, "name": True, "namespace": True}}},
    kinds.INGRESSES: {"metadata": _META, "spec": {"ingressClassName": True, "rules": {"host": True},
                                                  "tls": {"hosts": True}}, "status": _LB_STATUS},
    kinds.ISTIO_GATEWAYS: {"metadata": _META, "spec": {"selector": True, "servers": {"hosts": True}}},
    kinds.ISTIO_VIRTUALSERVICES: {"metadata": _META, "spec": {"hosts": True, "gateways": True, "exportTo": True}},
    kinds.DNSENDPOINTS: {"metadata": _META, "spec": {"endpoints": True},
                         "status": {"observedGeneration": True, "conditions": True}},
    kinds.GATEWAYS: {"metadata": _META, "spec": {"gatewayClassName": True, "listeners": True},
                     "status": {"addresses": True}},
    kinds.HTTPROUTES: {"metadata": _META, "spec": {"hostnames": True, "parentRefs": True}},
}


def _keep_annotation(key: str) -> bool:
    return key.startswith(ANNOTATION_PREFIXES) or key in KEPT_ANNOTATIONS


def _prune(value: Any, shape: Shape) -> Any:
    if isinstance(value, list):
        return [_prune(v, shape) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, sub in shape.items():
        if key in value and value[key] is not None:
            out[key] = value[key] if sub is True else _prune(value[key], sub)
    return out


def slim(kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of `obj` zonekeeper uses, plus apiVersion and kind (sources and manifests rely on them)."""
    out: dict[str, Any] = _prune(dict(obj), SHAPES[kind])
    resource = RESOURCES[kind]
    out["apiVersion"] = obj.get("apiVersion") or resource.api_version
    out["kind"] = obj.get("kind") or resource.kind
    meta = out.get("metadata", {})
    annotations = meta.get("annotations")
    if annotations:
        meta["annotations"] = {k: v for k, v in annotations.items() if _keep_annotation(k)}
    return out
