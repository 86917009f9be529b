"""The shipped RBAC grants exactly the API calls zonekeeper makes -- no more, no less.

The calls are not listed by hand: the controller runs against a real kube-apiserver with an audit log
(every source, leader election, Events and the status of Services, Ingresses, every route kind and DNSEndpoints, all
exercised), authenticated as a ServiceAccount bound to the shipped ClusterRole and Role of deploy/manifests/zonekeeper-all-sources.yaml,
and the (verb, API group, resource) triples in the audit log for that ServiceAccount are compared with
what those rules grant. A verb granted but never used fails the test, and so does a call that was
denied (it shows up in the audit log with 403).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.kube import KubeCluster
from tests.support.project_objects import f5_transport_server, f5_virtual_server, openshift_route, route_group
from tests.support.route53 import StrictRoute53Server
from zonekeeper import live
from zonekeeper.config import Settings
from zonekeeper.wiring import build

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parent.parent.parent
MANIFEST = ROOT / "deploy" / "manifests" / "zonekeeper-all-sources.yaml"
ALL_SOURCES = ("service", "ingress", "istio-gateway", "istio-virtualservice", "crd", "gateway-httproute",
               "gateway-grpcroute", "gateway-tlsroute", "gateway-tcproute", "gateway-udproute",
               "node", "pod",
               "contour-httpproxy", "kong-tcpingress", "ambassador-host", "gloo-proxy",
               "f5-virtualserver", "f5-transportserver", "skipper-routegroup", "openshift-route",
               "traefik-proxy")
# The other projects' CRDs those sources read (tests/support/crds) that the cluster does not start with.
PROJECTS = ("contour", "kong", "emissary", "gloo")
NS = "audited"  # the controller's namespace: its Lease lives here
SA = "zonekeeper-audited"
USER = f"system:serviceaccount:{NS}:{SA}"

Call = tuple[str, str, str]  # (verb, apiGroup, resource[/subresource])


@pytest.fixture(scope="module")
def audited_cluster() -> Iterator[KubeCluster]:
    with KubeCluster(audit=True) as cluster:
        cluster.install_project_crds(*PROJECTS)
        yield cluster


def shipped_rbac() -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(MANIFEST.read_text()) if d and d["kind"] in ("ClusterRole", "Role")]


def granted(roles: Iterable[Mapping[str, Any]]) -> set[Call]:
    out: set[Call] = set()
    for role in roles:
        for rule in role["rules"]:
            assert "*" not in rule["verbs"] and "*" not in rule["resources"], rule
            out |= {(v, g, r) for v in rule["verbs"] for g in rule["apiGroups"] for r in rule["resources"]}
    return out


def observed(events: Iterable[Mapping[str, Any]]) -> tuple[set[Call], list[str]]:
    calls: set[Call] = set()
    other: list[str] = []
    for event in events:
        ref = event.get("objectRef")
        if not ref:  # a non-resource URL (/api, /version): none expected from zonekeeper
            other.append(f"{event['verb']} {event['requestURI']}")
            continue
        resource = ref["resource"] + (f"/{ref['subresource']}" if ref.get("subresource") else "")
        calls.add((event["verb"], ref.get("apiGroup", ""), resource))
    return calls, other


def bind_shipped_roles(cluster: KubeCluster, roles: list[dict[str, Any]]) -> None:
    """The shipped ClusterRole and Role, bound to a ServiceAccount of this test only (so the audit
    log's entries for it are this test's calls)."""
    cluster.ensure_namespace(NS)
    objects: list[dict[str, Any]] = [{"apiVersion": "v1", "kind": "ServiceAccount",
                                      "metadata": {"name": SA, "namespace": NS}}]
    subject = [{"kind": "ServiceAccount", "name": SA, "namespace": NS}]
    for role in roles:
        role = {**role, "metadata": {**role["metadata"], "name": "audited-" + role["metadata"]["name"]}}
        if role["kind"] == "Role":
            role["metadata"]["namespace"] = NS
            binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                       "metadata": {"name": role["metadata"]["name"], "namespace": NS}}
        else:
            binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                       "metadata": {"name": role["metadata"]["name"]}}
        binding |= {"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role["kind"],
                                "name": role["metadata"]["name"]}, "subjects": subject}
        objects += [role, binding]
    cluster.apply(objects)


def workload(ns: str) -> list[dict[str, Any]]:
    """One object per source, each giving a record (so Events are emitted) and a DNSEndpoint (so its
    status is written)."""
    return [
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "web", "namespace": ns,
                      "annotations": {"external-dns.kubernetes.io/hostname": "web.example.com"}},
         "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]},
         "status": {"loadBalancer": {"ingress": [{"ip": "198.51.100.1"}]}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "shop", "namespace": ns},
         "spec": {"rules": [{"host": "shop.example.com", "http": {"paths": [{
             "path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]},
         "status": {"loadBalancer": {"ingress": [{"ip": "198.51.100.2"}]}}},
        {"apiVersion": "externaldns.k8s.io/v1alpha1", "kind": "DNSEndpoint",
         "metadata": {"name": "static", "namespace": ns},
         "spec": {"endpoints": [{"dnsName": "static.example.com", "recordType": "A", "targets": ["192.0.2.7"]}]}},
        {"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": "igw", "namespace": ns},
         "spec": {"selector": {"app": "web"}, "servers": [{"hosts": ["mesh.example.com", "vs.example.com"],
                                                           "port": {"number": 80, "name": "http", "protocol": "HTTP"}}]}},
        {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "vs", "namespace": ns},
         "spec": {"hosts": ["vs.example.com"], "gateways": ["igw"]}},
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "gw", "namespace": ns},
         "spec": {"gatewayClassName": "example", "listeners": [
             {"name": "http", "port": 80, "protocol": "HTTP", "hostname": "*.example.com"},
             {"name": "tls", "port": 443, "protocol": "TLS", "hostname": "*.example.com"},
             {"name": "tcp", "port": 9000, "protocol": "TCP"}, {"name": "udp", "port": 5353, "protocol": "UDP"}]},
         "status": {"addresses": [{"type": "IPAddress", "value": "203.0.113.5"}]}},
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "api", "namespace": ns},
         "spec": {"parentRefs": [{"name": "gw", "sectionName": "http"}], "hostnames": ["api.example.com"]}},
        # One route of every kind, so that each kind's status is written.
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GRPCRoute", "metadata": {"name": "rpc", "namespace": ns},
         "spec": {"parentRefs": [{"name": "gw", "sectionName": "http"}], "hostnames": ["rpc.example.com"]}},
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "TLSRoute", "metadata": {"name": "tls", "namespace": ns},
         "spec": {"parentRefs": [{"name": "gw", "sectionName": "tls"}], "hostnames": ["tls.example.com"],
                  "rules": [{"backendRefs": [{"name": "web", "port": 443}]}]}},
        *({"apiVersion": "gateway.networking.k8s.io/v1alpha2", "kind": kind,
           "metadata": {"name": name, "namespace": ns,
                        "annotations": {"external-dns.alpha.kubernetes.io/hostname": f"{name}.example.com"}},
           "spec": {"parentRefs": [{"name": "gw", "sectionName": name}],
                    "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]}}
          for kind, name in (("TCPRoute", "tcp"), ("UDPRoute", "udp"))),
        *ingress_controllers(ns),
        *project_workload(ns),
        {"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute", "metadata": {
            "name": "traefik", "namespace": ns, "annotations": {"external-dns.kubernetes.io/target": "192.0.2.8"}},
         "spec": {"routes": [{"match": "Host(`traefik.example.com`)", "kind": "Rule",
                              "services": [{"name": "web", "port": 80}]}]}},
    ]


def ingress_controllers(ns: str) -> list[dict[str, Any]]:
    """An object for each ingress controller's source: Contour, Kong, Emissary (reading Service `web`),
    Gloo (reading its VirtualService and its own Service)."""
    lb = {"loadBalancer": {"ingress": [{"ip": "198.51.100.9"}]}}
    return [
        {"apiVersion": "projectcontour.io/v1", "kind": "HTTPProxy", "metadata": {"name": "hp", "namespace": ns},
         "spec": {"virtualhost": {"fqdn": "contour.example.com"}}, "status": lb},
        {"apiVersion": "configuration.konghq.com/v1beta1", "kind": "TCPIngress",
         "metadata": {"name": "tcp", "namespace": ns},
         "spec": {"rules": [{"host": "kong.example.com", "port": 9000,
                             "backend": {"serviceName": "web", "servicePort": 80}}]}, "status": lb},
        {"apiVersion": "getambassador.io/v3alpha1", "kind": "Host",
         "metadata": {"name": "amb", "namespace": ns, "annotations": {"external-dns.ambassador-service": f"{ns}/web"}},
         "spec": {"hostname": "emissary.example.com"}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "gateway-proxy", "namespace": ns},
         "spec": {"type": "LoadBalancer", "selector": {"gloo": "gateway-proxy"}, "ports": [{"port": 80}]},
         "status": lb},
        {"apiVersion": "gateway.solo.io/v1", "kind": "VirtualService", "metadata": {"name": "gvs", "namespace": ns},
         "spec": {"virtualHost": {"domains": ["gloo.example.com"]}}},
        {"apiVersion": "gloo.solo.io/v1", "kind": "Proxy", "metadata": {"name": "gateway-proxy", "namespace": ns},
         "spec": {"listeners": [{"name": "http", "bindAddress": "::", "bindPort": 8080, "httpListener": {
             "virtualHosts": [{"name": "gvs", "domains": ["gloo.example.com"], "metadata": {
                 "sources": [{"kind": "*v1.VirtualService", "name": "gvs", "namespace": ns}]}}]}}]}},
    ]


def project_workload(ns: str) -> list[dict[str, Any]]:
    """The F5 CIS, Skipper and OpenShift sources' objects (their CRDs: tests/support/crds)."""
    return [f5_virtual_server("vs", ns, "f5vs.example.com", "192.0.2.51"),
            f5_transport_server("ts", ns, "f5ts.example.com", "192.0.2.52"),
            route_group("rg", ns, ["rg.example.com"], "192.0.2.53"),
            openshift_route("route", ns, "route.example.com", ("default", "router-default.apps.example.net"))]


async def eventually(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await asyncio.to_thread(check)
        if last:
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout}s (last: {last!r})")


def _names(route53: StrictRoute53Server, zone: str) -> set[str]:
    return {str(r["Name"]).rstrip(".") for r in route53.records(zone)}


def _status_written(cluster: KubeCluster, ns: str) -> bool:
    from kubernetes import client

    obj = client.CustomObjectsApi(cluster.admin).get_namespaced_custom_object(
        "externaldns.k8s.io", "v1alpha1", ns, "dnsendpoints", "static")
    return bool((obj.get("status") or {}).get("observedGeneration"))


ROUTES = (("v1", "httproutes", "api"), ("v1", "grpcroutes", "rpc"), ("v1", "tlsroutes", "tls"),
          ("v1alpha2", "tcproutes", "tcp"), ("v1alpha2", "udproutes", "udp"))


def _object_status_written(cluster: KubeCluster, ns: str) -> list[str]:
    """The Service and routes whose status does not say yet that their records are programmed."""
    from kubernetes import client

    missing = []
    svc = client.CoreV1Api(cluster.admin).read_namespaced_service_status("web", ns)
    if not any(c.type == "DNSRecordsProgrammed" for c in svc.status.conditions or []):
        missing.append("services/web")
    shop = client.NetworkingV1Api(cluster.admin).read_namespaced_ingress("shop", ns)
    if "zonekeeper.io/dns-records-programmed" not in (shop.metadata.annotations or {}):
        missing.append("ingresses/shop")
    custom = client.CustomObjectsApi(cluster.admin)
    for version, plural, name in ROUTES:
        obj = custom.get_namespaced_custom_object("gateway.networking.k8s.io", version, ns, plural, name)
        if not (obj.get("status") or {}).get("parents"):
            missing.append(f"{plural}/{name}")
    return missing


def _events(cluster: KubeCluster, ns: str) -> int:
    from kubernetes import client

    return len(client.CoreV1Api(cluster.admin).list_namespaced_event(ns).items)


def _lease_renewed(events: list[dict[str, Any]]) -> bool:
    return any(e["verb"] == "update" and e["objectRef"]["resource"] == "leases" for e in events)


async def test_shipped_rbac_grants_exactly_the_calls_zonekeeper_makes(
        audited_cluster: KubeCluster, route53: StrictRoute53Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    cluster = audited_cluster
    zone = route53.create_zone("example.com")
    roles = shipped_rbac()
    await asyncio.to_thread(bind_shipped_roles, cluster, roles)
    ns = "audited-objects"
    await asyncio.to_thread(cluster.ensure_namespace, ns)
    await asyncio.to_thread(cluster.apply, workload(ns))
    kubeconfig = await asyncio.to_thread(cluster.kubeconfig_for_serviceaccount, NS, SA, create=False)
    settings = Settings.of(
        kubeconfig=str(kubeconfig), aws_endpoint_url=route53.endpoint, txt_owner_id="audited",
        sources=ALL_SOURCES, leader_elect=True, leader_elect_namespace=NS, leader_elect_lease_name="audited",
        leader_elect_lease_duration=2.0, leader_elect_renew_deadline=1.5, leader_elect_retry_period=0.2,
        min_event_sync_interval=0.05, interval=30.0, aws_rate_limit=50.0, kube_api_qps=50.0, kube_api_burst=100,
        metrics_address="127.0.0.1:0", emit_events=True, gloo_namespace=(ns,),
        gateway_listener_sets=True,  # as the manifest's Deployment runs (enableGatewayListenerSets=true)
    )
    task = asyncio.create_task(live.serve(settings, build(settings)))
    try:
        wanted = {"web.example.com", "shop.example.com", "static.example.com", "mesh.example.com",
                  "vs.example.com", "api.example.com", "rpc.example.com", "tls.example.com", "tcp.example.com",
                  "udp.example.com", "contour.example.com", "kong.example.com", "emissary.example.com",
                  "gloo.example.com", "f5vs.example.com", "f5ts.example.com", "rg.example.com", "route.example.com",
                  "traefik.example.com"}
        try:
            await eventually(lambda: wanted <= _names(route53, zone), what="a record from every source")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; missing {sorted(wanted - _names(route53, zone))}") from None
        await eventually(lambda: _status_written(cluster, ns), what="DNSEndpoint status")
        await eventually(lambda: not _object_status_written(cluster, ns), what="Service and route status")
        await eventually(lambda: _events(cluster, ns) > 0, what="Events")
        await eventually(lambda: _lease_renewed(cluster.audit_events(USER)), what="a lease renewal")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    events = cluster.audit_events(USER)
    denied = sorted({f"{e['verb']} {e['requestURI']}" for e in events
                     if e.get("responseStatus", {}).get("code") == 403})
    assert denied == [], f"calls the shipped RBAC does not allow: {denied}"
    calls, non_resource = observed(events)
    assert non_resource == []
    grants = granted(roles)
    unused, ungranted = sorted(grants - calls), sorted(calls - grants)
    assert unused == [], f"granted but never called: {unused}"
    assert ungranted == [], f"called but not granted: {ungranted}"
