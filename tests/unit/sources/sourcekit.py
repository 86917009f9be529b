"""Plain-dict builders for Kubernetes objects used by the source tests."""

from __future__ import annotations

from typing import Any

from zonekeeper.sources.base import SourceResult
from zonekeeper.sources.objects import ObjectStore

GA = "external-dns.kubernetes.io/"
ALPHA = "external-dns.alpha.kubernetes.io/"

Dict = dict[str, Any]


def ga(**values: str) -> dict[str, str]:
    """GA-prefixed annotations; keyword names use '_' for '-' (aws_weight -> aws-weight)."""
    return {GA + k.replace("_", "-"): v for k, v in values.items()}


def alpha(**values: str) -> dict[str, str]:
    return {ALPHA + k.replace("_", "-"): v for k, v in values.items()}


def obj(
    api_version: str,
    kind: str,
    name: str,
    namespace: str = "default",
    *,
    annotations: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    spec: Dict | None = None,
    status: Dict | None = None,
) -> Dict:
    metadata: Dict = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    if annotations:
        metadata["annotations"] = dict(annotations)
    if labels:
        metadata["labels"] = dict(labels)
    result: Dict = {"apiVersion": api_version, "kind": kind, "metadata": metadata}
    if spec is not None:
        result["spec"] = spec
    if status is not None:
        result["status"] = status
    return result


def lb_status(*entries: str) -> Dict:
    """status.loadBalancer with one ingress entry per value (IPs as `ip`, names as `hostname`)."""
    ingress = []
    for value in entries:
        is_ip = value.replace(".", "").isdigit() or ":" in value
        ingress.append({"ip": value} if is_ip else {"hostname": value})
    return {"loadBalancer": {"ingress": ingress}}


def service(
    name: str = "web",
    namespace: str = "default",
    *,
    type: str = "LoadBalancer",
    annotations: dict[str, str] | None = None,
    lb: tuple[str, ...] = (),
    cluster_ip: str = "10.0.0.10",
    selector: dict[str, str] | None = None,
    **spec: Any,
) -> Dict:
    body: Dict = {"type": type, "clusterIP": cluster_ip}
    if selector is not None:
        body["selector"] = selector
    body.update(spec)
    return obj(
        "v1",
        "Service",
        name,
        namespace,
        annotations=annotations,
        spec=body,
        status=lb_status(*lb) if lb else None,
    )


def node(
    name: str,
    *,
    external: tuple[str, ...] = (),
    internal: tuple[str, ...] = (),
    unschedulable: bool = False,
) -> Dict:
    addresses = [{"type": "ExternalIP", "address": a} for a in external]
    addresses += [{"type": "InternalIP", "address": a} for a in internal]
    addresses.append({"type": "Hostname", "address": name})
    spec: Dict = {"unschedulable": True} if unschedulable else {}
    return obj("v1", "Node", name, "", spec=spec, status={"addresses": addresses})


def pod(
    name: str,
    namespace: str = "default",
    *,
    labels: dict[str, str] | None = None,
    node: str = "",
    ready: bool = True,
    phase: str = "Running",
    hostname: str = "",
    host_ip: str = "",
    annotations: dict[str, str] | None = None,
    deleting: bool = False,
) -> Dict:
    spec: Dict = {}
    if node:
        spec["nodeName"] = node
    if hostname:
        spec["hostname"] = hostname
    status: Dict = {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if host_ip:
        status["hostIP"] = host_ip
    result = obj(
        "v1", "Pod", name, namespace, annotations=annotations, labels=labels, spec=spec, status=status
    )
    if deleting:
        result["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return result


def slice_endpoint(
    *addresses: str,
    ready: bool | None = None,
    pod: str = "",
    hostname: str = "",
    node: str = "",
) -> Dict:
    entry: Dict = {"addresses": list(addresses)}
    if ready is not None:
        entry["conditions"] = {"ready": ready}
    if pod:
        entry["targetRef"] = {"kind": "Pod", "name": pod}
    if hostname:
        entry["hostname"] = hostname
    if node:
        entry["nodeName"] = node
    return entry


def endpoint_slice(
    service_name: str,
    *endpoints: Dict,
    namespace: str = "default",
    name: str = "",
    address_type: str = "IPv4",
) -> Dict:
    result = obj(
        "discovery.k8s.io/v1",
        "EndpointSlice",
        name or f"{service_name}-abcde",
        namespace,
        labels={"kubernetes.io/service-name": service_name},
    )
    result["addressType"] = address_type
    result["endpoints"] = list(endpoints)
    return result


def ingress(
    name: str = "shop",
    namespace: str = "default",
    *,
    hosts: tuple[str, ...] = (),
    tls_hosts: tuple[str, ...] = (),
    annotations: dict[str, str] | None = None,
    lb: tuple[str, ...] = (),
    class_name: str | None = None,
) -> Dict:
    spec: Dict = {"rules": [{"host": h} for h in hosts]}
    if tls_hosts:
        spec["tls"] = [{"hosts": list(tls_hosts), "secretName": "tls"}]
    if class_name is not None:
        spec["ingressClassName"] = class_name
    return obj(
        "networking.k8s.io/v1",
        "Ingress",
        name,
        namespace,
        annotations=annotations,
        spec=spec,
        status=lb_status(*lb) if lb else None,
    )


def istio_gateway(
    name: str = "gw",
    namespace: str = "istio-system",
    *,
    hosts: tuple[str, ...] = (),
    selector: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    version: str = "v1",
    servers: list[Dict] | None = None,
) -> Dict:
    spec: Dict = {
        "selector": {"istio": "ingressgateway"} if selector is None else selector,
        "servers": servers if servers is not None else [{"port": {"number": 80}, "hosts": list(hosts)}],
    }
    return obj(
        f"networking.istio.io/{version}", "Gateway", name, namespace, annotations=annotations, spec=spec
    )


def virtual_service(
    name: str = "vs",
    namespace: str = "default",
    *,
    hosts: tuple[str, ...] = (),
    gateways: tuple[str, ...] = (),
    export_to: tuple[str, ...] | None = None,
    annotations: dict[str, str] | None = None,
) -> Dict:
    spec: Dict = {"hosts": list(hosts), "gateways": list(gateways)}
    if export_to is not None:
        spec["exportTo"] = list(export_to)
    return obj(
        "networking.istio.io/v1", "VirtualService", name, namespace, annotations=annotations, spec=spec
    )


def dns_endpoint(name: str = "records", namespace: str = "default", *entries: Dict, **kw: Any) -> Dict:
    return obj(
        "externaldns.k8s.io/v1alpha1", "DNSEndpoint", name, namespace, spec={"endpoints": list(entries)}, **kw
    )


def listener(
    name: str = "http",
    *,
    hostname: str | None = None,
    protocol: str = "HTTP",
    port: int = 80,
    origin: str | None = None,
    kinds: list[Dict] | None = None,
) -> Dict:
    result: Dict = {"name": name, "protocol": protocol, "port": port}
    if hostname is not None:
        result["hostname"] = hostname
    allowed: Dict = {}
    if origin is not None:
        allowed["namespaces"] = {"from": origin}
    if kinds is not None:
        allowed["kinds"] = kinds
    if allowed:
        result["allowedRoutes"] = allowed
    return result


def gateway(
    name: str = "gw",
    namespace: str = "default",
    *listeners: Dict,
    addresses: tuple[str, ...] = ("203.0.113.1",),
    annotations: dict[str, str] | None = None,
) -> Dict:
    status = {"addresses": [{"type": "IPAddress", "value": a} for a in addresses]}
    return obj(
        "gateway.networking.k8s.io/v1",
        "Gateway",
        name,
        namespace,
        annotations=annotations,
        spec={"gatewayClassName": "test", "listeners": list(listeners) or [listener()]},
        status=status,
    )


def httproute(
    name: str = "route",
    namespace: str = "default",
    *,
    hostnames: tuple[str, ...] = (),
    parents: list[Dict] | None = None,
    annotations: dict[str, str] | None = None,
) -> Dict:
    return obj(
        "gateway.networking.k8s.io/v1",
        "HTTPRoute",
        name,
        namespace,
        annotations=annotations,
        spec={
            "hostnames": list(hostnames),
            "parentRefs": parents if parents is not None else [{"name": "gw"}],
        },
    )


def store(*objects: Dict) -> ObjectStore:
    return ObjectStore(objects)


def records(result: SourceResult) -> list[str]:
    """Endpoints as sorted 'name TYPE [set-id] -> targets' strings."""
    return sorted(str(e) for e in result.endpoints)


def reasons(result: SourceResult) -> list[str]:
    return sorted(p.reason for p in result.problems)
