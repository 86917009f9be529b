"""`zonekeeper run` against a real kube-apiserver and the strict Route 53 endpoint.

The controller authenticates as the ServiceAccount bound to the shipped ClusterRole: the RBAC objects
of deploy/manifests/zonekeeper-all-sources.yaml (rendered from the Helm chart with every source and
leader election on), so every flow here also proves those permissions suffice.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.kube import KubeCluster
from tests.support.route53 import StrictRoute53Server
from zonekeeper import live
from zonekeeper.config import Settings
from zonekeeper.wiring import build

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parent.parent.parent
MANIFEST = ROOT / "deploy" / "manifests" / "zonekeeper-all-sources.yaml"
RBAC_KINDS = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
NLB1 = "k8s-web-nlb1-0123456789-abcdef0123456789.elb.us-east-1.amazonaws.com"
NLB2 = "k8s-web-nlb2-9876543210-fedcba9876543210.elb.us-east-1.amazonaws.com"
HOSTNAME = "external-dns.alpha.kubernetes.io/hostname"


@pytest.fixture(scope="session")
def controller_kubeconfig(kube_cluster: KubeCluster) -> Path:
    """A kubeconfig for the zonekeeper ServiceAccount with exactly the shipped RBAC."""
    kube_cluster.ensure_namespace("zonekeeper")
    kube_cluster.apply([d for d in yaml.safe_load_all(MANIFEST.read_text()) if d and d["kind"] in RBAC_KINDS])
    return kube_cluster.kubeconfig_for_serviceaccount("zonekeeper", "zonekeeper", create=False)


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def zone(route53: StrictRoute53Server) -> str:
    return route53.create_zone("example.com")


def settings_for(kubeconfig: Path, route53: StrictRoute53Server, namespace: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        kubeconfig=str(kubeconfig), namespace=namespace, aws_endpoint_url=route53.endpoint, txt_owner_id="live",
        sources=("service", "ingress", "istio-gateway", "istio-virtualservice", "crd", "gateway-httproute"),
        min_event_sync_interval=0.05, interval=30.0, aws_rate_limit=50.0, kube_api_qps=50.0, kube_api_burst=100,
        leader_elect_namespace="zonekeeper", metrics_address="127.0.0.1:0",
    )
    values.update(overrides)
    return Settings.of(**values)


async def start(settings: Settings) -> asyncio.Task[int]:
    wired = build(settings, records_cache_seconds=settings.provider.aws_records_cache_duration)
    task = asyncio.create_task(live.serve(settings, wired))
    await asyncio.sleep(0)
    return task


async def stop(task: asyncio.Task[int]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def eventually(check: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await asyncio.to_thread(check)
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} not reached within {timeout}s (last: {last!r})")


def records(route53: StrictRoute53Server, zone_id: str) -> dict[tuple[str, str, str], Any]:
    out = {}
    for r in route53.records(zone_id):
        rr = r if isinstance(r, dict) else getattr(r, "__dict__", {})
        name = rr.get("Name") or rr.get("name")
        rtype = rr.get("Type") or rr.get("type")
        out[(str(name).rstrip(".").replace("\\052", "*"), str(rtype), str(rr.get("SetIdentifier") or ""))] = rr
    return out


def value_of(rr: dict[str, Any]) -> str:
    if rr.get("AliasTarget"):
        return str(rr["AliasTarget"]["DNSName"]).rstrip(".")
    return ",".join(v["Value"] for v in rr.get("ResourceRecords", []))


def lb_service(name: str, ns: str, hostname: str, *, lb: str = "", ip: str = "",
               selector: dict[str, str] | None = None, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    ingress = [{"hostname": lb}] if lb else [{"ip": ip}] if ip else []
    ann = {HOSTNAME: hostname} if hostname else {}
    ann.update(annotations or {})
    obj: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": ns, "annotations": ann},
        "spec": {"type": "LoadBalancer", "selector": selector or {"app": name}, "ports": [{"port": 80}]},
    }
    if ingress:
        obj["status"] = {"loadBalancer": {"ingress": ingress}}
    return obj


async def test_load_balancer_service_lifecycle(kube_cluster: KubeCluster, kube_namespace: str,
                                               controller_kubeconfig: Path, route53: StrictRoute53Server,
                                               zone: str) -> None:
    ns = kube_namespace
    task = await start(settings_for(controller_kubeconfig, route53, ns))
    try:
        # The Service exists before its load balancer: nothing to publish yet.
        await asyncio.to_thread(kube_cluster.apply, lb_service("web", ns, "web.example.com"))
        await asyncio.sleep(1.0)
        assert ("web.example.com", "A", "") not in records(route53, zone)

        # The cloud controller sets the load balancer through the status subresource.
        await asyncio.to_thread(kube_cluster.apply, lb_service("web", ns, "web.example.com", lb=NLB1))
        started = time.monotonic()
        rr = await eventually(lambda: records(route53, zone).get(("web.example.com", "A", "")), what="alias A")
        latency = time.monotonic() - started
        assert rr["AliasTarget"]["DNSName"].rstrip(".") == NLB1
        got = records(route53, zone)
        assert ("web.example.com", "AAAA", "") in got and ("a-web.example.com", "TXT", "") in got
        assert f"resource=service/{ns}/web" in value_of(got[("a-web.example.com", "TXT", "")])
        assert latency < 5.0, latency

        # The load balancer is replaced: the record follows.
        await asyncio.to_thread(kube_cluster.apply, lb_service("web", ns, "web.example.com", lb=NLB2))
        await eventually(lambda: value_of(records(route53, zone).get(("web.example.com", "A", ""), {})) == NLB2,
                         what="alias follows the new load balancer")

        # Events tell people what happened, on the Service itself.
        events = await eventually(lambda: _events(kube_cluster, ns, "web", "RecordCreated"), what="RecordCreated")
        assert "web.example.com" in events[0]["message"]

        # Deleting the Service deletes the records and their TXT.
        await asyncio.to_thread(_delete, kube_cluster, "v1", "Service", ns, "web")
        await eventually(lambda: not any(k[0].endswith("web.example.com") for k in records(route53, zone)),
                         what="records deleted")
        assert all(b["Status"] == "accepted" for b in route53.change_batches), route53.errors
    finally:
        await stop(task)


async def test_istio_gateway_follows_reprovisioned_ingress_gateway(
        kube_cluster: KubeCluster, kube_namespace: str, controller_kubeconfig: Path,
        route53: StrictRoute53Server, zone: str) -> None:
    ns = kube_namespace
    gw_service = lb_service("istio-ingressgateway", ns, "", lb=NLB1, selector={"istio": "ingressgateway"})
    await asyncio.to_thread(kube_cluster.apply, gw_service)
    await asyncio.to_thread(kube_cluster.apply, {
        "apiVersion": "networking.istio.io/v1beta1", "kind": "Gateway",
        "metadata": {"name": "bookinfo", "namespace": ns},
        "spec": {"selector": {"istio": "ingressgateway"},
                 "servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"},
                              "hosts": ["bookinfo.example.com", "reviews.example.com"]}]}})
    await asyncio.to_thread(kube_cluster.apply, {
        "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
        "metadata": {"name": "reviews", "namespace": ns},
        "spec": {"hosts": ["reviews.example.com"], "gateways": ["bookinfo"], "http": [{"route": []}]}})
    task = await start(settings_for(controller_kubeconfig, route53, ns))
    try:
        await eventually(lambda: value_of(records(route53, zone).get(("bookinfo.example.com", "A", ""), {})) == NLB1,
                         what="gateway record")
        # The VirtualService is bound to the Gateway (which serves its host): same targets.
        txt = await eventually(lambda: records(route53, zone).get(("a-reviews.example.com", "TXT", "")),
                               what="virtualservice record")
        # Both the Gateway and the VirtualService want reviews.example.com with the same targets; with no current
        # owner the lexically smallest resource keeps the name (external-dns's resolver), so one answer only.
        assert f"resource=gateway/{ns}/bookinfo" in value_of(txt), value_of(txt)
        assert "virtualservice/" not in value_of(txt)
        # Re-provision the ingress gateway's load balancer; the Gateway object itself is untouched.
        await asyncio.to_thread(kube_cluster.apply, lb_service("istio-ingressgateway", ns, "", lb=NLB2,
                                                               selector={"istio": "ingressgateway"}))
        await eventually(lambda: value_of(records(route53, zone).get(("bookinfo.example.com", "A", ""), {})) == NLB2,
                         what="gateway record follows the new load balancer")
        await eventually(lambda: value_of(records(route53, zone).get(("reviews.example.com", "A", ""), {})) == NLB2,
                         what="virtualservice record follows too")
    finally:
        await stop(task)


async def test_ingress_dnsendpoint_and_httproute(kube_cluster: KubeCluster, kube_namespace: str,
                                                 controller_kubeconfig: Path, route53: StrictRoute53Server,
                                                 zone: str) -> None:
    ns = kube_namespace
    await asyncio.to_thread(kube_cluster.apply, {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "shop", "namespace": ns},
        "spec": {"rules": [{"host": "shop.example.com", "http": {"paths": [{
            "path": "/", "pathType": "Prefix", "backend": {"service": {"name": "shop", "port": {"number": 80}}}}]}}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "198.51.100.20"}]}}})
    await asyncio.to_thread(kube_cluster.apply, {
        "apiVersion": "externaldns.k8s.io/v1alpha1", "kind": "DNSEndpoint",
        "metadata": {"name": "static", "namespace": ns},
        "spec": {"endpoints": [{"dnsName": "static.example.com", "recordType": "A", "targets": ["192.0.2.7"],
                                "recordTTL": 60}]}})
    await asyncio.to_thread(kube_cluster.apply, {
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
        "metadata": {"name": "gw", "namespace": ns},
        "spec": {"gatewayClassName": "example", "listeners": [
            {"name": "http", "port": 80, "protocol": "HTTP", "hostname": "*.example.com"}]},
        "status": {"addresses": [{"type": "IPAddress", "value": "203.0.113.5"}]}})
    await asyncio.to_thread(kube_cluster.apply, {
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": "api", "namespace": ns},
        "spec": {"parentRefs": [{"name": "gw"}], "hostnames": ["api.example.com"]}})
    task = await start(settings_for(controller_kubeconfig, route53, ns))
    try:
        await eventually(lambda: value_of(records(route53, zone).get(("shop.example.com", "A", ""), {}))
                         == "198.51.100.20", what="ingress record")
        await eventually(lambda: value_of(records(route53, zone).get(("api.example.com", "A", ""), {}))
                         == "203.0.113.5", what="httproute record")
        rr = await eventually(lambda: records(route53, zone).get(("static.example.com", "A", "")), what="crd record")
        assert rr["TTL"] == 60
        # Status is set only after Route 53 accepted the change.
        status = await eventually(lambda: _dnsendpoint_status(kube_cluster, ns, "static"), what="status")
        assert status["observedGeneration"] == 1
        conditions = {c["type"]: c["status"] for c in status["conditions"]}
        assert conditions["Programmed"] == "True" and conditions["Ready"] == "True"
    finally:
        await stop(task)


def _events(cluster: KubeCluster, ns: str, name: str, reason: str) -> list[dict[str, Any]]:
    from kubernetes import client

    events = client.CoreV1Api(cluster.admin).list_namespaced_event(
        ns, field_selector=f"involvedObject.name={name}")
    return [{"reason": e.reason, "message": e.message, "type": e.type} for e in events.items if e.reason == reason]


def _dnsendpoint_status(cluster: KubeCluster, ns: str, name: str) -> dict[str, Any] | None:
    from kubernetes import client

    obj = client.CustomObjectsApi(cluster.admin).get_namespaced_custom_object(
        "externaldns.k8s.io", "v1alpha1", ns, "dnsendpoints", name)
    status = obj.get("status") or {}
    return status if status.get("observedGeneration") else None


def _delete(cluster: KubeCluster, api_version: str, kind: str, ns: str, name: str) -> None:
    from kubernetes import client

    if kind == "Service":
        client.CoreV1Api(cluster.admin).delete_namespaced_service(name, ns)
    else:
        raise ValueError(kind)



async def test_watch_interruption_loses_nothing(kube_cluster: KubeCluster, kube_namespace: str,
                                                controller_kubeconfig: Path, route53: StrictRoute53Server,
                                                zone: str) -> None:
    ns = kube_namespace
    for name, ip in (("a", "10.9.0.1"), ("b", "10.9.0.2")):
        await asyncio.to_thread(kube_cluster.apply, lb_service(name, ns, f"{name}.example.com", ip=ip))
    task = await start(settings_for(controller_kubeconfig, route53, ns))
    try:
        await eventually(lambda: {("a.example.com", "A", ""), ("b.example.com", "A", "")} <= set(records(route53, zone)),
                         what="initial records")
        # 1. The apiserver restarts: watches break and resume from their resourceVersion.
        await asyncio.to_thread(kube_cluster.restart_apiserver)
        await asyncio.to_thread(kube_cluster.apply, lb_service("c", ns, "c.example.com", ip="10.9.0.3"))
        await eventually(lambda: ("c.example.com", "A", "") in records(route53, zone), what="record after restart")
        # 2. Changes made while the watch is down, then history compacted: resuming from the old
        #    resourceVersion gets 410 Gone, and only a re-list with a diff can notice the delete.
        def interrupt() -> None:
            kube_cluster.restart_apiserver()
            _delete(kube_cluster, "v1", "Service", ns, "a")
            kube_cluster.apply(lb_service("b", ns, "b.example.com", ip="10.9.0.22"))
            kube_cluster.compact()

        await asyncio.to_thread(interrupt)
        await eventually(lambda: ("a.example.com", "A", "") not in records(route53, zone), timeout=30,
                         what="delete seen after 410")
        await eventually(lambda: value_of(records(route53, zone).get(("b.example.com", "A", ""), {})) == "10.9.0.22",
                         timeout=30, what="update seen after 410")
        assert ("c.example.com", "A", "") in records(route53, zone)
        # Nothing duplicated or refused along the way.
        assert [b for b in route53.change_batches if b["Status"] != "accepted"] == []
    finally:
        await stop(task)


async def test_controller_without_permissions_fails_loudly(kube_cluster: KubeCluster, kube_namespace: str,
                                                           route53: StrictRoute53Server, zone: str,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    kubeconfig = await asyncio.to_thread(kube_cluster.kubeconfig_for_serviceaccount, kube_namespace, "nobody")
    settings = settings_for(kubeconfig, route53, kube_namespace, sources=("service",))
    wired = build(settings)
    code = await asyncio.wait_for(live.serve(settings, wired, once=True), timeout=60)
    assert code != 0
    text = caplog.text
    assert "forbidden" in text.lower() and "services" in text


def _replica(name: str, kubeconfig: Path, route53: StrictRoute53Server, ns: str, lease: str,
             log_dir: Path) -> Any:
    import os
    import subprocess
    import sys

    env = {**os.environ, "POD_NAME": name, "AWS_ENDPOINT_URL_ROUTE_53": route53.endpoint,
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "PYTHONPATH": str(ROOT / "src")}
    args = [sys.executable, "-m", "zonekeeper.cli", "run", "--kubeconfig", str(kubeconfig), "--namespace", ns,
            "--source", "service", "--txt-owner-id", "ha", "--leader-elect", "--leader-elect-namespace", "zonekeeper",
            "--leader-elect-lease-name", lease, "--leader-elect-lease-duration", "3s",
            "--leader-elect-renew-deadline", "2s", "--leader-elect-retry-period", "500ms",
            "--min-event-sync-interval", "50ms", "--aws-rate-limit", "50", "--kube-api-qps", "50",
            "--metrics-address", "127.0.0.1:0"]
    log = (log_dir / f"{name}.log").open("w")
    return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)


def _lease_holder(cluster: KubeCluster, lease: str) -> str:
    from kubernetes import client

    try:
        obj = client.CoordinationV1Api(cluster.admin).read_namespaced_lease(lease, "zonekeeper")
    except Exception:
        return ""
    return str(obj.spec.holder_identity or "")


async def test_two_replicas_leader_killed_follower_takes_over(
        kube_cluster: KubeCluster, kube_namespace: str, controller_kubeconfig: Path, route53: StrictRoute53Server,
        zone: str, tmp_path: Path) -> None:
    import signal

    ns = kube_namespace
    lease = f"zk-{ns}"[:60]
    for i in range(3):
        await asyncio.to_thread(kube_cluster.apply, lb_service(f"s{i}", ns, f"s{i}.example.com", ip=f"10.8.0.{i + 1}"))
    replicas = {name: _replica(name, controller_kubeconfig, route53, ns, lease, tmp_path) for name in ("one", "two")}
    try:
        await eventually(lambda: all((f"s{i}.example.com", "A", "") in records(route53, zone) for i in range(3)),
                         timeout=30, what="records from the leader")
        holder = await eventually(lambda: _lease_holder(kube_cluster, lease), what="a leader")
        leader = next(n for n in replicas if holder.startswith(n + "_"))
        follower = next(n for n in replicas if n != leader)
        replicas[leader].send_signal(signal.SIGKILL)  # a crash: no release of the Lease
        killed_at = time.monotonic()
        await asyncio.to_thread(kube_cluster.apply, lb_service("s9", ns, "s9.example.com", ip="10.8.0.9"))
        await eventually(lambda: ("s9.example.com", "A", "") in records(route53, zone), timeout=30,
                         what="the follower takes over and converges")
        takeover = time.monotonic() - killed_at
        assert _lease_holder(kube_cluster, lease).startswith(follower + "_")
        assert takeover < 15, takeover
        # No conflicting writes: every batch either replica sent was accepted as is.
        assert [b for b in route53.change_batches if b["Status"] != "accepted"] == [], route53.errors
    finally:
        for proc in replicas.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in replicas.values():
            try:
                await asyncio.to_thread(proc.wait, 15)
            except Exception:
                proc.kill()


ROUTE_VERSIONS = {"GRPCRoute": "v1", "TLSRoute": "v1", "TCPRoute": "v1alpha2", "UDPRoute": "v1alpha2"}
ROUTE_SOURCES = ("gateway-grpcroute", "gateway-tlsroute", "gateway-tcproute", "gateway-udproute")


def _route_gateway(ns: str, address: str) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
        "metadata": {"name": "edge", "namespace": ns},
        "spec": {"gatewayClassName": "example", "listeners": [
            {"name": "grpc", "port": 80, "protocol": "HTTP", "hostname": "*.example.com"},
            {"name": "tls", "port": 443, "protocol": "TLS", "hostname": "*.example.com", "tls": {"mode": "Passthrough"}},
            {"name": "tcp", "port": 5432, "protocol": "TCP"},
            {"name": "udp", "port": 53, "protocol": "UDP"}]},
        "status": {"addresses": [{"type": "IPAddress", "value": address}]}}


def _route(kind: str, ns: str, section: str, port: int, *, hostnames: list[str] | None = None,
           annotations: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"parentRefs": [{"name": "edge", "sectionName": section}],
                            "rules": [{"backendRefs": [{"name": "backend", "port": port}]}]}
    if hostnames:
        spec["hostnames"] = hostnames
    return {"apiVersion": f"gateway.networking.k8s.io/{ROUTE_VERSIONS[kind]}", "kind": kind,
            "metadata": {"name": section, "namespace": ns, "annotations": annotations or {}}, "spec": spec}


async def test_gateway_api_route_sources_follow_the_gateway(kube_cluster: KubeCluster, kube_namespace: str,
                                                            controller_kubeconfig: Path,
                                                            route53: StrictRoute53Server, zone: str) -> None:
    """GRPCRoute, TLSRoute, TCPRoute and UDPRoute (the CRDs as Gateway API publishes them): created,
    re-targeted when their Gateway's address changes, removed with the route."""
    from kubernetes import client

    ns = kube_namespace
    names = {"grpc.example.com", "tls.example.com", "tcp.example.com", "udp.example.com"}
    await asyncio.to_thread(kube_cluster.apply, [
        _route_gateway(ns, "203.0.113.5"),
        _route("GRPCRoute", ns, "grpc", 50051, hostnames=["grpc.example.com"]),
        _route("TLSRoute", ns, "tls", 443, hostnames=["tls.example.com"]),
        _route("TCPRoute", ns, "tcp", 5432, annotations={HOSTNAME: "tcp.example.com"}),
        _route("UDPRoute", ns, "udp", 53, annotations={HOSTNAME: "udp.example.com"}),
    ])

    def addresses() -> dict[str, str]:
        got = records(route53, zone)
        return {name: value_of(got[(name, "A", "")]) for name in names if (name, "A", "") in got}

    infra = f"{ns}-infra"
    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=ROUTE_SOURCES))
    try:
        await eventually(lambda: addresses() == dict.fromkeys(names, "203.0.113.5"), what="route records")
        txt = value_of(records(route53, zone)[("a-tcp.example.com", "TXT", "")])
        assert f"resource=tcproute/{ns}/tcp" in txt

        await asyncio.to_thread(kube_cluster.apply, _route_gateway(ns, "203.0.113.6"))
        started = time.monotonic()
        await eventually(lambda: addresses() == dict.fromkeys(names, "203.0.113.6"), what="re-targeted records")
        latency = time.monotonic() - started
        assert latency < 5.0, latency
        print(f"gateway address change -> 4 route records: {latency:.2f}s")

        await asyncio.to_thread(client.CustomObjectsApi(kube_cluster.admin).delete_namespaced_custom_object,
                                "gateway.networking.k8s.io", "v1alpha2", ns, "tcproutes", "tcp")
        await eventually(lambda: set(addresses()) == names - {"tcp.example.com"}, what="tcp record deleted")
        assert ("a-tcp.example.com", "TXT", "") not in records(route53, zone)

        # --namespace limits the routes, not their Gateways (external-dns reads those in --gateway-namespace).
        await asyncio.to_thread(kube_cluster.ensure_namespace, infra)
        shared = _route_gateway(infra, "203.0.113.9")
        shared["spec"]["listeners"] = [{"name": "udp", "port": 53, "protocol": "UDP", "allowedRoutes": {
            "namespaces": {"from": "Selector", "selector": {"matchLabels": {"dns": "on"}}}}}]
        across = _route("UDPRoute", ns, "udp", 53, annotations={HOSTNAME: "across.example.com"})
        across["metadata"]["name"] = "across"
        across["spec"]["parentRefs"] = [{"name": "edge", "namespace": infra}]
        await asyncio.to_thread(kube_cluster.apply, [shared, across])
        await asyncio.sleep(1.0)
        assert ("across.example.com", "A", "") not in records(route53, zone)  # its namespace is not selected
        # Labelling the route's Namespace admits it: a Namespace change re-plans the routes in it.
        await asyncio.to_thread(kube_cluster.apply, {"apiVersion": "v1", "kind": "Namespace",
                                                     "metadata": {"name": ns, "labels": {"dns": "on"}}})
        await eventually(lambda: value_of(records(route53, zone).get(("across.example.com", "A", ""), {}))
                         == "203.0.113.9", what="record of a route on a Gateway in another namespace")
    finally:
        await stop(task)
        with contextlib.suppress(client.ApiException):
            await asyncio.to_thread(client.CoreV1Api(kube_cluster.admin).delete_namespace, infra)


def _node(name: str, external: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"addresses": [{"type": "ExternalIP", "address": external},
                                     {"type": "InternalIP", "address": "10.0.0.31"}]}}


async def test_node_and_pod_sources_follow_the_node(kube_cluster: KubeCluster, kube_namespace: str,
                                                    controller_kubeconfig: Path, route53: StrictRoute53Server,
                                                    zone: str) -> None:
    """A Node's name and a hostNetwork Pod's `hostname` follow the Node's ExternalIP; the Pod's
    `internal-hostname` is its own IP; deleting the objects removes their records."""
    from kubernetes import client

    ns = kube_namespace
    node_name = f"{ns}-w1.example.com"
    daemon, internal = f"{ns}-daemon.example.com", f"{ns}-int.example.com"
    core = client.CoreV1Api(kube_cluster.admin)
    await asyncio.to_thread(kube_cluster.apply, [
        _node(node_name, "198.51.100.31"),
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": "agent", "namespace": ns,
                      "annotations": {HOSTNAME: daemon, "external-dns.kubernetes.io/internal-hostname": internal}},
         "spec": {"containers": [{"name": "agent", "image": "agent"}], "nodeName": node_name, "hostNetwork": True},
         "status": {"podIP": "10.0.0.31", "podIPs": [{"ip": "10.0.0.31"}]}},
    ])

    def values() -> dict[str, str]:
        got = records(route53, zone)
        return {name: value_of(got[(name, "A", "")]) for name in (node_name, daemon, internal) if (name, "A", "") in got}

    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=("node", "pod")))
    try:
        await eventually(lambda: values() == {node_name: "198.51.100.31", daemon: "198.51.100.31",
                                              internal: "10.0.0.31"}, what="node and pod records")
        got = records(route53, zone)
        assert f"resource=node/{node_name}" in value_of(got[(f"a-{node_name}", "TXT", "")])
        assert "resource=" not in value_of(got[(f"a-{daemon}", "TXT", "")])  # as external-dns writes it

        await asyncio.to_thread(kube_cluster.apply, _node(node_name, "198.51.100.32"))
        started = time.monotonic()
        await eventually(lambda: values() == {node_name: "198.51.100.32", daemon: "198.51.100.32",
                                              internal: "10.0.0.31"}, what="records re-targeted")
        latency = time.monotonic() - started
        assert latency < 5.0, latency
        print(f"node address change -> node and pod records: {latency:.2f}s")

        await asyncio.to_thread(core.delete_namespaced_pod, "agent", ns, grace_period_seconds=0)
        await eventually(lambda: values() == {node_name: "198.51.100.32"}, what="pod records deleted")
        await asyncio.to_thread(core.delete_node, node_name)
        await eventually(lambda: values() == {}, what="node record deleted")
    finally:
        await stop(task)
        with contextlib.suppress(client.ApiException):
            await asyncio.to_thread(core.delete_node, node_name)


def _listener_gateway(ns: str, address: str, allowed: str) -> dict[str, Any]:
    return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
            "metadata": {"name": "edge", "namespace": ns},
            "spec": {"gatewayClassName": "example", "allowedListeners": {"namespaces": {"from": allowed}},
                     "listeners": [{"name": "http", "port": 80, "protocol": "HTTP", "hostname": "gw.example.com"}]},
            "status": {"addresses": [{"type": "IPAddress", "value": address}]}}


async def test_routes_on_a_listener_set_follow_its_gateway(kube_cluster: KubeCluster, kube_namespace: str,
                                                           controller_kubeconfig: Path,
                                                           route53: StrictRoute53Server, zone: str) -> None:
    """--gateway-listener-sets: an HTTPRoute on a ListenerSet (the CRD as Gateway API v1.6.2 publishes
    it) in the route's namespace, whose Gateway in another namespace admits it: published with the
    Gateway's address, moved when it changes, removed when the Gateway stops admitting ListenerSets
    and when the ListenerSet goes."""
    from kubernetes import client

    ns = kube_namespace
    infra = f"{ns}-infra"
    await asyncio.to_thread(kube_cluster.ensure_namespace, infra)
    await asyncio.to_thread(kube_cluster.apply, [
        _listener_gateway(infra, "203.0.113.20", "All"),
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "ListenerSet",
         "metadata": {"name": "extra", "namespace": ns},
         "spec": {"parentRef": {"name": "edge", "namespace": infra},
                  "listeners": [{"name": "web", "port": 80, "protocol": "HTTP", "hostname": "*.ls.example.com"}]}},
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
         "metadata": {"name": "web", "namespace": ns},
         "spec": {"parentRefs": [{"group": "gateway.networking.k8s.io", "kind": "ListenerSet", "name": "extra"}],
                  "hostnames": ["web.ls.example.com", "web.elsewhere.example.com"]}},
    ])

    def published() -> dict[str, str]:
        got = records(route53, zone)
        return {name: value_of(rr) for (name, rtype, _), rr in got.items() if rtype in ("A", "CNAME")}

    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=("gateway-httproute",),
                                    gateway_listener_sets=True))
    try:
        await eventually(lambda: published() == {"web.ls.example.com": "203.0.113.20"}, what="listener set record")
        txt = value_of(records(route53, zone)[("a-web.ls.example.com", "TXT", "")])
        assert f"resource=httproute/{ns}/web" in txt

        await asyncio.to_thread(kube_cluster.apply, _listener_gateway(infra, "203.0.113.21", "All"))
        started = time.monotonic()
        await eventually(lambda: published() == {"web.ls.example.com": "203.0.113.21"}, what="record moved")
        latency = time.monotonic() - started
        assert latency < 5.0, latency
        print(f"gateway address change -> record of a route on its ListenerSet: {latency:.2f}s")

        # allowedListeners Same: a ListenerSet in another namespace no longer attaches.
        await asyncio.to_thread(kube_cluster.apply, _listener_gateway(infra, "203.0.113.21", "Same"))
        await eventually(lambda: published() == {}, what="record removed when the Gateway refuses the ListenerSet")
        await asyncio.to_thread(kube_cluster.apply, _listener_gateway(infra, "203.0.113.21", "All"))
        await eventually(lambda: published() == {"web.ls.example.com": "203.0.113.21"}, what="record back")

        await asyncio.to_thread(client.CustomObjectsApi(kube_cluster.admin).delete_namespaced_custom_object,
                                "gateway.networking.k8s.io", "v1", ns, "listenersets", "extra")
        await eventually(lambda: published() == {}, what="record deleted with the ListenerSet")
        assert ("a-web.ls.example.com", "TXT", "") not in records(route53, zone)
    finally:
        await stop(task)
        with contextlib.suppress(client.ApiException):
            await asyncio.to_thread(client.CoreV1Api(kube_cluster.admin).delete_namespace, infra)
