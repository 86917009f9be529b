"""Status where the user looks, on a real kube-apiserver with the shipped RBAC: a Service's
DNSRecordsProgrammed condition (server-side apply under zonekeeper's field manager), the same condition in
an Ingress's annotation (applied through ingresses/status), an HTTPRoute's status.parents entries under
zonekeeper's controller name, a refused record shown False with its reason,
and every other manager's fields and every other controller's entries left as they were.

The controller runs as `zonekeeper run` does (`live.serve`), authenticated as a ServiceAccount bound to
the RBAC of deploy/manifests/zonekeeper-all-sources.yaml; reads are what `kubectl get -o yaml` shows.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s

from tests.support.kube import KubeCluster
from tests.support.route53 import StrictRoute53Server
from zonekeeper import live
from zonekeeper.config import Settings
from zonekeeper.kube.client import KubeClient
from zonekeeper.kube.dnsstatus import PROGRAMMED
from zonekeeper.kube.frozen import freeze
from zonekeeper.kube.resources import slim
from zonekeeper.kube.status import StatusUpdate, StatusWriter
from zonekeeper.sources.objects import SERVICES
from zonekeeper.wiring import build

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parent.parent.parent
MANIFEST = ROOT / "deploy" / "manifests" / "zonekeeper-all-sources.yaml"
RBAC_KINDS = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
HOSTNAME = "external-dns.alpha.kubernetes.io/hostname"
GATEWAY_API = ("gateway.networking.k8s.io", "v1")
CONTROLLER = "zonekeeper.io/dns-controller"
ANNOTATION = "zonekeeper.io/dns-records-programmed"
# Another Gateway implementation's entry, and a condition another manager set on the Service.
THEIR_ENTRY = {"parentRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw"},
               "controllerName": "example.net/gateway-controller",
               "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted", "message": "attached",
                               "observedGeneration": 1, "lastTransitionTime": "2026-01-01T00:00:00Z"}]}
THEIR_CONDITION = {"type": "LoadBalancerPortsReady", "status": "True", "reason": "Provisioned",
                   "message": "by the cloud", "lastTransitionTime": "2026-01-01T00:00:00Z"}


@pytest.fixture(scope="module")
def controller_kubeconfig(kube_cluster: KubeCluster) -> Path:
    kube_cluster.ensure_namespace("zonekeeper")
    kube_cluster.apply([d for d in yaml.safe_load_all(MANIFEST.read_text()) if d and d["kind"] in RBAC_KINDS])
    return kube_cluster.kubeconfig_for_serviceaccount("zonekeeper", "zonekeeper", create=False)


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


async def eventually(check: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await asyncio.to_thread(check)
        if last:
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout}s (last: {last!r})")


def service(name: str, ns: str, hostname: str | None, ip: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "annotations": {HOSTNAME: hostname} if hostname else {}},
            "spec": {"type": "LoadBalancer", "selector": {"app": name}, "ports": [{"port": 80}]},
            "status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}


def read_service(cluster: KubeCluster, ns: str, name: str) -> dict[str, Any]:
    # As stored (kubectl get -o json), not through the typed models, which reformat timestamps.
    response = k8s.CoreV1Api(cluster.admin).read_namespaced_service_status(name, ns, _preload_content=False)
    obj: dict[str, Any] = json.loads(response.data)
    return obj


def read_route(cluster: KubeCluster, ns: str, name: str) -> dict[str, Any]:
    obj: dict[str, Any] = k8s.CustomObjectsApi(cluster.admin).get_namespaced_custom_object(
        *GATEWAY_API, ns, "httproutes", name)
    return obj


def read_ingress(cluster: KubeCluster, ns: str, name: str) -> dict[str, Any]:
    response = k8s.NetworkingV1Api(cluster.admin).read_namespaced_ingress(name, ns, _preload_content=False)
    obj: dict[str, Any] = json.loads(response.data)
    return obj


def ours(obj: dict[str, Any]) -> dict[str, Any] | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or []
                 if c["type"] == "DNSRecordsProgrammed"), None)


def our_entries(route: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in (route.get("status") or {}).get("parents") or [] if p["controllerName"] == CONTROLLER]


def managed(obj: dict[str, Any], manager: str) -> list[dict[str, Any]]:
    return [m for m in obj["metadata"].get("managedFields") or [] if m["manager"] == manager]


def put_foreign(route53: StrictRoute53Server, zone: str, name: str) -> None:
    """A record another external-dns (owner `someone-else`) manages."""
    changes = [{"Action": "CREATE", "ResourceRecordSet": {"Name": n, "Type": t, "TTL": 300,
                                                          "ResourceRecords": [{"Value": v}]}}
               for n, t, v in ((name, "A", "198.51.100.99"),
                               (f"a-{name}", "TXT", '"heritage=external-dns,external-dns/owner=someone-else"'))]
    route53.harness.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})


async def test_services_and_routes_say_whether_their_records_are_programmed(
        kube_cluster: KubeCluster, kube_namespace: str, controller_kubeconfig: Path,
        route53: StrictRoute53Server) -> None:
    ns, cluster = kube_namespace, kube_cluster
    zone = route53.create_zone("example.com")
    put_foreign(route53, zone, "taken.example.com")
    web = service("web", ns, "web.example.com", "192.0.2.10")
    web["status"]["conditions"] = [THEIR_CONDITION]
    await asyncio.to_thread(cluster.apply, [
        web, service("taken", ns, "taken.example.com", "192.0.2.11"), service("plain", ns, None, "192.0.2.12"),
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "gw", "namespace": ns},
         "spec": {"gatewayClassName": "example", "listeners": [
             {"name": "http", "port": 80, "protocol": "HTTP", "hostname": "*.example.com"}]},
         "status": {"addresses": [{"type": "IPAddress", "value": "203.0.113.5"}]}},
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "api", "namespace": ns},
         "spec": {"parentRefs": [{"name": "gw"}, {"name": "not-there"}], "hostnames": ["api.example.com"]},
         "status": {"parents": [THEIR_ENTRY]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
         "metadata": {"name": "shop", "namespace": ns, "annotations": {"team": "shop"}},
         "spec": {"rules": [{"host": "shop.example.com"}]},
         "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.20"}]}}},
    ])
    settings = Settings.of(
        kubeconfig=str(controller_kubeconfig), namespace=ns, aws_endpoint_url=route53.endpoint,
        txt_owner_id="status", sources=("service", "ingress", "gateway-httproute"), min_event_sync_interval=0.05,
        interval=30.0, aws_rate_limit=50.0, kube_api_qps=50.0, kube_api_burst=100)
    task = asyncio.create_task(live.serve(settings, build(settings)))
    try:
        programmed = await eventually(lambda: ours(read_service(cluster, ns, "web")), what="web's condition")
        refused = await eventually(lambda: ours(read_service(cluster, ns, "taken")), what="taken's condition")
        route = await eventually(lambda: our_entries(read_route(cluster, ns, "api")) and read_route(cluster, ns, "api"),
                                 what="the route's entry")
        assert {(r["Name"].rstrip("."), r["Type"]) for r in route53.records(zone)} >= \
            {("web.example.com", "A"), ("api.example.com", "A")}

        svc = read_service(cluster, ns, "web")
        assert "generation" not in svc["metadata"]  # Services have none: no observedGeneration either
        assert {k: v for k, v in programmed.items() if k != "lastTransitionTime"} == \
            {"type": "DNSRecordsProgrammed", "status": "True", "reason": "Programmed",
             "message": "all records are in Route 53"}
        # The other manager's condition and load balancer status are as they were, and still theirs.
        assert [c for c in svc["status"]["conditions"] if c["type"] != "DNSRecordsProgrammed"] == [THEIR_CONDITION]
        assert svc["status"]["loadBalancer"] == {"ingress": [{"ip": "192.0.2.10", "ipMode": "VIP"}]} or \
            svc["status"]["loadBalancer"] == {"ingress": [{"ip": "192.0.2.10"}]}
        (mine,) = managed(svc, "zonekeeper")
        assert (mine["operation"], mine["subresource"]) == ("Apply", "status")
        assert mine["fieldsV1"] == {"f:status": {"f:conditions": {'k:{"type":"DNSRecordsProgrammed"}': {
            ".": {}, "f:lastTransitionTime": {}, "f:message": {}, "f:reason": {}, "f:status": {}, "f:type": {}}}}}
        theirs = [m for m in managed(svc, "zonekeeper-tests") if m.get("subresource") == "status"]
        assert theirs and all("f:loadBalancer" in m["fieldsV1"]["f:status"] for m in theirs)

        # The record another owner holds: False, with the reason and the name.
        assert (refused["status"], refused["reason"]) == ("False", "OwnershipConflict")
        assert "taken.example.com" in refused["message"]
        # A Service that publishes nothing gets no condition.
        assert ours(read_service(cluster, ns, "plain")) is None

        # The route: the other controller's entry unchanged and first; ours for the Gateway that exists only.
        assert route["status"]["parents"][0] == THEIR_ENTRY
        (entry,) = our_entries(route)
        assert entry["parentRef"] == {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw"}
        ((condition),) = entry["conditions"]
        assert (condition["type"], condition["status"], condition["reason"], condition["observedGeneration"]) == \
            ("DNSRecordsProgrammed", "True", "Programmed", route["metadata"]["generation"])

        # The Ingress (no conditions in its API): the same condition in our annotation, only that ours.
        shop = await eventually(lambda: (i := read_ingress(cluster, ns, "shop"))["metadata"]["annotations"].get(
            ANNOTATION) and i, what="the Ingress's annotation")
        said = json.loads(shop["metadata"]["annotations"][ANNOTATION])
        assert {k: said[k] for k in ("status", "reason", "message", "observedGeneration")} == {
            "status": "True", "reason": "Programmed", "message": "all records are in Route 53",
            "observedGeneration": shop["metadata"]["generation"]}
        assert shop["metadata"]["annotations"]["team"] == "shop"
        assert shop["status"]["loadBalancer"]["ingress"][0]["ip"] == "192.0.2.20"
        (mine,) = managed(shop, "zonekeeper")
        assert (mine["operation"], mine["subresource"], mine["fieldsV1"]) == (
            "Apply", "status", {"f:metadata": {"f:annotations": {f"f:{ANNOTATION}": {}}}})

        # Nothing is written again while nothing changes: our own writes plan nothing, say nothing new.
        versions = {name: read_service(cluster, ns, name)["metadata"]["resourceVersion"] for name in ("web", "taken")}
        route_version = route["metadata"]["resourceVersion"]
        await asyncio.sleep(2.0)
        assert {n: read_service(cluster, ns, n)["metadata"]["resourceVersion"] for n in versions} == versions
        assert read_route(cluster, ns, "api")["metadata"]["resourceVersion"] == route_version

        # The conflict is resolved by a new name: True, and the transition time moves.
        await asyncio.to_thread(cluster.apply, service("taken", ns, "free.example.com", "192.0.2.11"))
        fixed = await eventually(lambda: (c := ours(read_service(cluster, ns, "taken"))) and c["status"] == "True"
                                 and c, what="taken's condition turning True")
        assert fixed["reason"] == "Programmed" and fixed["lastTransitionTime"] >= refused["lastTransitionTime"]

        # web publishes nothing any more: our condition goes, theirs stays.
        quiet = service("web", ns, None, "192.0.2.10")
        quiet["status"]["conditions"] = [THEIR_CONDITION]  # the test's manager keeps its own condition
        await asyncio.to_thread(cluster.apply, quiet)
        await eventually(lambda: ours(read_service(cluster, ns, "web")) is None, what="web's condition removed")
        assert [c["type"] for c in read_service(cluster, ns, "web")["status"]["conditions"]] == \
            ["LoadBalancerPortsReady"]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_missing_status_permission_is_logged_once_and_never_raised(
        kube_cluster: KubeCluster, kube_namespace: str, caplog: pytest.LogCaptureFixture) -> None:
    ns = kube_namespace
    await asyncio.to_thread(kube_cluster.apply, [service(n, ns, f"{n}.example.com", "192.0.2.30") for n in ("a", "b")])
    kubeconfig = await asyncio.to_thread(kube_cluster.kubeconfig_for_serviceaccount, ns, "no-status")
    kc = await KubeClient.connect(kubeconfig=str(kubeconfig), qps=0)
    try:
        writer = StatusWriter(kc)
        for name in ("a", "b"):
            obj = freeze(SERVICES, slim(SERVICES, read_service(kube_cluster, ns, name)))
            writer.submit(obj, StatusUpdate(SERVICES, ns, name, PROGRAMMED))
        with caplog.at_level(logging.WARNING):
            await writer.flush()
    finally:
        await kc.close()
    assert (writer.stats.failed, writer.stats.written, writer.pending) == (2, 0, 0)
    logged = [r.getMessage() for r in caplog.records if r.name == "zonekeeper.kube.status"]
    assert len(logged) == 1, logged
    assert "`patch` on `services/status`" in logged[0] and "--no-status-updates" in logged[0]
    assert ours(read_service(kube_cluster, ns, "a")) is None


async def test_writes_go_in_groups_of_a_fraction_of_a_second_and_each_one_lands(
        kube_cluster: KubeCluster, kube_namespace: str) -> None:
    # One wake-up of the process for several writes (and their watch events back together) halves the
    # CPU of draining a cold start's backlog (benchmarks/bench_status.py); the rate stays the bucket's.
    ns = kube_namespace
    names = [f"g{i}" for i in range(30)]
    await asyncio.to_thread(kube_cluster.apply, [service(n, ns, f"{n}.example.com", "192.0.2.40") for n in names])
    kc = await KubeClient.connect(kubeconfig=str(kube_cluster.admin_kubeconfig), qps=0)
    in_flight, most = 0, 0
    apply = kc.apply

    async def counted(*args: Any, **kwargs: Any) -> dict[str, Any]:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            return await apply(*args, **kwargs)
        finally:
            in_flight -= 1

    kc.apply = counted  # type: ignore[method-assign]
    try:
        writer = StatusWriter(kc, qps=20)  # groups of 20/s x GROUP_SECONDS = 10
        for name in names:
            obj = freeze(SERVICES, slim(SERVICES, read_service(kube_cluster, ns, name)))
            writer.submit(obj, StatusUpdate(SERVICES, ns, name, PROGRAMMED))
        await writer.flush()
    finally:
        await kc.close()
    assert (most, writer.stats.written, writer.stats.failed, writer.pending) == (10, 30, 0, 0)
    assert all((ours(read_service(kube_cluster, ns, n)) or {}).get("status") == "True" for n in names)
