"""Objects of the other projects' kinds the sources read (F5 CIS, Skipper, OpenShift), shaped as their
CRDs (tests/support/crds) accept them and their controllers write their status: for the live, RBAC
and compatibility tests against the real kube-apiserver."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def _meta(name: str, ns: str, annotations: dict[str, str] | None) -> Obj:
    return {"name": name, "namespace": ns, "annotations": dict(annotations or {})}


def f5_virtual_server(name: str, ns: str, host: str, address: str, *, aliases: list[str] | None = None,
                      vs_address: str | None = None, annotations: dict[str, str] | None = None) -> Obj:
    """A VirtualServer at `address`; CIS reports it in status.vsAddress once BIG-IP has it (`vs_address`,
    default the same address; "" for not yet)."""
    spec: Obj = {"host": host, "virtualServerAddress": address, "pools": [{"path": "/", "service": "web",
                                                                          "servicePort": 80}]}
    if aliases:
        spec["hostAliases"] = aliases
    return {"apiVersion": "cis.f5.com/v1", "kind": "VirtualServer", "metadata": _meta(name, ns, annotations),
            "spec": spec, "status": {"vsAddress": address if vs_address is None else vs_address}}


def f5_transport_server(name: str, ns: str, host: str, address: str, *, vs_address: str | None = None,
                        annotations: dict[str, str] | None = None) -> Obj:
    spec: Obj = {"host": host, "virtualServerAddress": address, "virtualServerPort": 5432, "mode": "standard",
                 "pool": {"service": "db", "servicePort": 5432}}
    return {"apiVersion": "cis.f5.com/v1", "kind": "TransportServer", "metadata": _meta(name, ns, annotations),
            "spec": spec, "status": {"vsAddress": address if vs_address is None else vs_address}}


def route_group(name: str, ns: str, hosts: list[str], *addresses: str,
                annotations: dict[str, str] | None = None) -> Obj:
    """A RouteGroup whose load balancer (status.loadBalancer.routegroup) has these IPs / hostnames."""
    entries = [{"ip": a} if a[0].isdigit() or ":" in a else {"hostname": a} for a in addresses]
    return {"apiVersion": "zalando.org/v1", "kind": "RouteGroup", "metadata": _meta(name, ns, annotations),
            "spec": {"hosts": hosts, "backends": [{"name": "app", "type": "service", "serviceName": name,
                                                   "servicePort": 80}],
                     "routes": [{"pathSubtree": "/", "backends": [{"backendName": "app"}]}]},
            "status": {"loadBalancer": {"routegroup": entries}}}


def openshift_route(name: str, ns: str, host: str, *routers: tuple[str, str],
                    annotations: dict[str, str] | None = None) -> Obj:
    """A Route admitted by each (router name, canonical hostname) in `routers`, as the routers write it."""
    ingress = [{"host": host, "routerName": router, "routerCanonicalHostname": canonical, "wildcardPolicy": "None",
                "conditions": [{"type": "Admitted", "status": "True",
                                "lastTransitionTime": "2026-01-01T00:00:00Z"}]}
               for router, canonical in routers]
    return {"apiVersion": "route.openshift.io/v1", "kind": "Route", "metadata": _meta(name, ns, annotations),
            "spec": {"host": host, "to": {"kind": "Service", "name": name, "weight": 100}},
            "status": {"ingress": ingress}}
