"""The kube-apiserver harness (tests/support/kube.py) against the real thing: the API behaviours
zonekeeper's controller relies on, checked on a real kube-apiserver + etcd."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.support.kube import ADMIN_USER, KubeCluster, KubeHarnessError

# kube_cluster and kube_namespace come from tests.support.kube_fixtures (registered by tests/conftest.py).
pytestmark = [pytest.mark.kube, pytest.mark.integration]

EXTERNALDNS = ("externaldns.k8s.io", "v1alpha1", "dnsendpoints")


# --------------------------------------------------------------------------------------------------
# helpers


def watch_events(
    list_call: Callable[..., Any],
    *args: Any,
    resource_version: str,
    until: Callable[[list[dict[str, Any]]], bool],
    timeout: int = 10,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """Raw watch events (``{"type", "object"}`` dicts) from ``resource_version`` until ``until(events)``
    holds, an ERROR event arrives or the server ends the watch after ``timeout`` seconds. Unlike
    ``kubernetes.watch.Watch`` this neither retries nor converts a 410 into an exception, so tests see
    exactly what the server sent."""
    response = list_call(
        *args, watch=True, resource_version=resource_version, timeout_seconds=timeout,
        allow_watch_bookmarks=False, _preload_content=False, _request_timeout=timeout + 5, **kwargs,
    )
    events: list[dict[str, Any]] = []
    try:
        assert response.status == 200, response.status
        buffer = b""
        for chunk in response.stream(4096, decode_content=True):
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                if not line.strip():
                    continue
                events.append(json.loads(line))
                if events[-1]["type"] == "ERROR" or until(events):
                    return events
    finally:
        response.close()
        response.release_conn()
    return events


def eventually(check: Callable[[], Any], *, timeout: float = 10.0, what: str) -> Any:
    """Retry ``check`` until it returns without raising; for state that propagates asynchronously
    inside the apiserver (RBAC caches, discovery)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except Exception as exc:
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: still failing after {timeout:.0f} s: {exc}") from exc
            time.sleep(0.1)


def names_of(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["type"], e["object"]["metadata"]["name"]) for e in events if e["type"] != "BOOKMARK"]


@pytest.fixture
def core(kube_cluster: KubeCluster) -> client.CoreV1Api:
    return client.CoreV1Api(kube_cluster.admin)


@pytest.fixture
def custom(kube_cluster: KubeCluster) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(kube_cluster.admin)


def service_manifest(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace,
                     "annotations": {"external-dns.alpha.kubernetes.io/hostname": f"{name}.example.org"}},
        "spec": {"type": "LoadBalancer", "selector": {"app": name},
                 "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
    }


# --------------------------------------------------------------------------------------------------
# the cluster itself


def test_cluster_serves_the_pinned_release_with_rbac_and_crds(kube_cluster: KubeCluster) -> None:
    version = client.VersionApi(kube_cluster.admin).get_code()
    assert version.git_version.startswith("v1.")
    assert version.git_version != "v0.0.0-master+$Format:%H$", "build.sh must stamp the version"

    review = client.AuthenticationV1Api(kube_cluster.admin).create_self_subject_review(
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    assert review.status.user_info.username == ADMIN_USER
    assert "system:masters" in review.status.user_info.groups

    crds = client.ApiextensionsV1Api(kube_cluster.admin).list_custom_resource_definition()
    established = {
        crd.metadata.name for crd in crds.items
        if any(c.type == "Established" and c.status == "True" for c in crd.status.conditions or [])
    }
    assert established >= {
        "dnsendpoints.externaldns.k8s.io",
        "gateways.networking.istio.io",
        "virtualservices.networking.istio.io",
        "gateways.gateway.networking.k8s.io",
        "httproutes.gateway.networking.k8s.io",
        # other projects' (tests/support/crds)
        "virtualservers.cis.f5.com", "transportservers.cis.f5.com", "routegroups.zalando.org",
        "routes.route.openshift.io",
    }
    assert kube_cluster.server.startswith("https://127.0.0.1:")
    assert kube_cluster.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")


# --------------------------------------------------------------------------------------------------
# objects and status subresources


def test_service_load_balancer_status_round_trips(
    kube_cluster: KubeCluster, kube_namespace: str, core: client.CoreV1Api
) -> None:
    created = core.create_namespaced_service(kube_namespace, service_manifest(kube_namespace, "web"))
    assert created.spec.type == "LoadBalancer"
    assert created.spec.cluster_ip, "the apiserver allocates ClusterIPs itself"
    assert not (created.status.load_balancer and created.status.load_balancer.ingress)

    ingress = [{"hostname": "abc-123.elb.us-east-1.amazonaws.com"}, {"ip": "192.0.2.10"}]
    core.patch_namespaced_service_status(
        "web", kube_namespace, {"status": {"loadBalancer": {"ingress": ingress}}})

    stored = core.read_namespaced_service("web", kube_namespace)
    got = [(i.hostname, i.ip) for i in stored.status.load_balancer.ingress]
    assert got == [("abc-123.elb.us-east-1.amazonaws.com", None), (None, "192.0.2.10")]

    # Status only changes through the subresource: an update of the main resource keeps it.
    core.patch_namespaced_service("web", kube_namespace, {
        "metadata": {"labels": {"touched": "yes"}},
        "status": {"loadBalancer": {"ingress": [{"ip": "198.51.100.1"}]}},
    })
    stored = core.read_namespaced_service("web", kube_namespace)
    assert [i.ip for i in stored.status.load_balancer.ingress] == [None, "192.0.2.10"]

    # The harness's apply() sets status through the subresource too.
    manifest = service_manifest(kube_namespace, "api")
    manifest["status"] = {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}}
    (applied,) = kube_cluster.apply(manifest)
    assert applied["status"]["loadBalancer"]["ingress"] == [{"ip": "203.0.113.7", "ipMode": "VIP"}]


def test_dnsendpoint_spec_and_status_subresource(
    kube_cluster: KubeCluster, kube_namespace: str, custom: client.CustomObjectsApi
) -> None:
    group, version, plural = EXTERNALDNS
    endpoint = {
        "dnsName": "www.example.org",
        "targets": ["192.0.2.1", "192.0.2.2"],
        "recordType": "A",
        "setIdentifier": "eu",
        "recordTTL": 300,
        "labels": {"owner": "team-a"},
        "providerSpecific": [{"name": "aws/weight", "value": "10"}],
        "futureField": {"kept": True},  # x-kubernetes-preserve-unknown-fields
    }
    body = {
        "apiVersion": f"{group}/{version}",
        "kind": "DNSEndpoint",
        "metadata": {"name": "www", "namespace": kube_namespace},
        "spec": {"endpoints": [endpoint]},
    }
    created = custom.create_namespaced_custom_object(group, version, kube_namespace, plural, body)
    assert created["spec"]["endpoints"] == [endpoint]
    generation = created["metadata"]["generation"]

    status = {
        "observedGeneration": generation,
        "conditions": [{
            "type": "Ready", "status": "True", "reason": "Synced", "message": "2 records in sync",
            "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": generation,
        }],
    }
    custom.patch_namespaced_custom_object_status(
        group, version, kube_namespace, plural, "www", {"status": status})

    stored = custom.get_namespaced_custom_object(group, version, kube_namespace, plural, "www")
    assert stored["status"] == status
    assert stored["metadata"]["generation"] == generation, "a status write is no spec change"
    assert stored["spec"]["endpoints"] == [endpoint]

    # Spec writes ignore status and bump the generation.
    stored["spec"]["endpoints"][0]["targets"] = ["192.0.2.3"]
    stored["status"] = {"observedGeneration": 99}
    replaced = custom.replace_namespaced_custom_object(group, version, kube_namespace, plural, "www", stored)
    assert replaced["metadata"]["generation"] == generation + 1
    assert replaced["status"] == status

    # The schema is structural and enforced.
    bad = json.loads(json.dumps(body))
    bad["metadata"]["name"] = "bad"
    bad["spec"]["endpoints"][0]["recordTTL"] = "five minutes"
    with pytest.raises(ApiException) as caught:
        custom.create_namespaced_custom_object(group, version, kube_namespace, plural, bad)
    assert caught.value.status == 422
    assert "recordTTL" in str(caught.value.body)


def test_istio_gateway_written_as_v1beta1_reads_as_v1(
    kube_cluster: KubeCluster, kube_namespace: str, custom: client.CustomObjectsApi
) -> None:
    spec = {
        "selector": {"istio": "ingressgateway"},
        "servers": [{"hosts": ["shop.example.org", "*/api.example.org"],
                     "port": {"number": 443, "name": "https", "protocol": "HTTPS"},
                     "tls": {"mode": "SIMPLE", "credentialName": "shop-cert"}}],
    }
    custom.create_namespaced_custom_object(
        "networking.istio.io", "v1beta1", kube_namespace, "gateways",
        {"apiVersion": "networking.istio.io/v1beta1", "kind": "Gateway",
         "metadata": {"name": "public", "namespace": kube_namespace}, "spec": spec})

    for version in ("v1", "v1alpha3"):
        got = custom.get_namespaced_custom_object("networking.istio.io", version, kube_namespace, "gateways", "public")
        assert got["apiVersion"] == f"networking.istio.io/{version}"
        assert got["spec"] == spec

    (vs,) = kube_cluster.apply({
        "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
        "metadata": {"name": "shop", "namespace": kube_namespace},
        "spec": {"hosts": ["shop.example.org"], "gateways": [f"{kube_namespace}/public"],
                 "http": [{"route": [{"destination": {"host": "shop"}}]}]},
    })
    assert vs["spec"]["gateways"] == [f"{kube_namespace}/public"]


def test_gateway_api_route_and_gateway_status(
    kube_cluster: KubeCluster, kube_namespace: str, custom: client.CustomObjectsApi
) -> None:
    group = "gateway.networking.k8s.io"
    kube_cluster.apply([
        {"apiVersion": f"{group}/v1", "kind": "Gateway",
         "metadata": {"name": "edge", "namespace": kube_namespace},
         "spec": {"gatewayClassName": "aws", "listeners": [
             {"name": "http", "port": 80, "protocol": "HTTP", "hostname": "*.example.org"}]},
         "status": {"addresses": [{"type": "Hostname", "value": "edge.elb.amazonaws.com"}]}},
        {"apiVersion": f"{group}/v1", "kind": "HTTPRoute",
         "metadata": {"name": "app", "namespace": kube_namespace},
         "spec": {"parentRefs": [{"name": "edge", "sectionName": "http"}],
                  "hostnames": ["app.example.org"]},
         "status": {"parents": [{"parentRef": {"name": "edge"}, "controllerName": "example.com/gw",
                                 "conditions": [{"type": "Accepted", "status": "True"}]}]}},
    ])
    gateway = custom.get_namespaced_custom_object(group, "v1", kube_namespace, "gateways", "edge")
    assert gateway["status"]["addresses"] == [{"type": "Hostname", "value": "edge.elb.amazonaws.com"}]
    route = custom.get_namespaced_custom_object(group, "v1beta1", kube_namespace, "httproutes", "app")
    assert route["status"]["parents"][0]["conditions"][0]["type"] == "Accepted"
    assert route["spec"]["hostnames"] == ["app.example.org"]


def test_pods_and_nodes_are_plain_data(kube_cluster: KubeCluster, kube_namespace: str) -> None:
    """No kubelet or controllers: Pods and Nodes are what tests write, status included."""
    pod, node = kube_cluster.apply([
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-0", "namespace": kube_namespace},
         "spec": {"containers": [{"name": "web", "image": "nginx"}], "nodeName": "node-a"},
         "status": {"podIP": "10.1.0.5", "podIPs": [{"ip": "10.1.0.5"}]}},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"{kube_namespace}-node-a"},
         "status": {"addresses": [{"type": "ExternalIP", "address": "198.51.100.20"},
                                  {"type": "InternalIP", "address": "10.0.0.20"}]}},
    ])
    assert pod["status"]["podIP"] == "10.1.0.5"
    assert {a["type"]: a["address"] for a in node["status"]["addresses"]} == {
        "ExternalIP": "198.51.100.20", "InternalIP": "10.0.0.20"}


# --------------------------------------------------------------------------------------------------
# RBAC


def test_rbac_is_enforced_for_service_account_tokens(kube_cluster: KubeCluster, kube_namespace: str) -> None:
    kubeconfig = kube_cluster.kubeconfig_for_serviceaccount(kube_namespace, "zonekeeper")
    with kube_cluster.api_client(kubeconfig) as api:
        who = client.AuthenticationV1Api(api).create_self_subject_review(
            {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
        assert who.status.user_info.username == f"system:serviceaccount:{kube_namespace}:zonekeeper"

        with pytest.raises(ApiException) as caught:
            client.CoreV1Api(api).list_service_for_all_namespaces()
        assert caught.value.status == 403
        assert "cannot list resource" in str(caught.value.body)

        role = f"{kube_namespace}-list-services"
        kube_cluster.apply([
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
             "metadata": {"name": role},
             "rules": [{"apiGroups": [""], "resources": ["services"], "verbs": ["list"]}]},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
             "metadata": {"name": role},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
             "subjects": [{"kind": "ServiceAccount", "name": "zonekeeper", "namespace": kube_namespace}]},
        ])
        # The RBAC authorizer reads bindings from an informer: allow it a moment.
        services = eventually(lambda: client.CoreV1Api(api).list_service_for_all_namespaces(),
                              what="listing services after the ClusterRoleBinding")
        assert any(s.metadata.name == "kubernetes" for s in services.items)

        # Least privilege: list does not grant watch, and nothing grants writes.
        with pytest.raises(ApiException) as caught:
            client.CoreV1Api(api).list_service_for_all_namespaces(watch=True, timeout_seconds=1)
        assert caught.value.status == 403
        with pytest.raises(ApiException) as caught:
            client.CoreV1Api(api).create_namespaced_service(
                kube_namespace, service_manifest(kube_namespace, "nope"))
        assert caught.value.status == 403


# --------------------------------------------------------------------------------------------------
# watches across restarts and compaction


@pytest.fixture(scope="module")
def etcd_watch_cluster() -> Iterator[KubeCluster]:
    """A private cluster whose watches the apiserver serves from etcd (``--watch-cache=false``), so
    resumption and compaction behave as etcd dictates (see tests/support/kube.py)."""
    with KubeCluster(install_crds=False, watch_cache=False) as cluster:
        yield cluster


def test_watch_resumes_from_the_previous_resource_version_after_restart(
    etcd_watch_cluster: KubeCluster,
) -> None:
    cluster = etcd_watch_cluster
    cluster.ensure_namespace("w")
    core = client.CoreV1Api(cluster.admin)
    core.create_namespaced_service("w", service_manifest("w", "before"))
    rv = core.list_namespaced_service("w").metadata.resource_version

    cluster.restart_apiserver()
    core.create_namespaced_service("w", service_manifest("w", "after"))

    events = watch_events(core.list_namespaced_service, "w", resource_version=rv,
                          until=lambda ev: len(ev) >= 1)
    assert names_of(events) == [("ADDED", "after")]
    assert cluster.apiserver_startup_seconds < 30


def test_compaction_expires_old_resource_versions(etcd_watch_cluster: KubeCluster) -> None:
    cluster = etcd_watch_cluster
    cluster.ensure_namespace("c")
    core = client.CoreV1Api(cluster.admin)
    old_rv = core.list_namespaced_service("c").metadata.resource_version
    core.create_namespaced_service("c", service_manifest("c", "one"))
    core.create_namespaced_service("c", service_manifest("c", "two"))

    # Before compaction the history is there.
    events = watch_events(core.list_namespaced_service, "c", resource_version=old_rv,
                          until=lambda ev: len(ev) >= 2)
    assert names_of(events) == [("ADDED", "one"), ("ADDED", "two")]

    revision = cluster.compact()
    assert revision > int(old_rv)

    events = watch_events(core.list_namespaced_service, "c", resource_version=old_rv, until=lambda ev: True)
    assert [e["type"] for e in events] == ["ERROR"]
    status = events[0]["object"]
    assert (status["code"], status["reason"]) == (410, "Expired")

    # A fresh list gives a resourceVersion to watch from again.
    rv = core.list_namespaced_service("c").metadata.resource_version
    core.create_namespaced_service("c", service_manifest("c", "three"))
    events = watch_events(core.list_namespaced_service, "c", resource_version=rv, until=lambda ev: len(ev) >= 1)
    assert names_of(events) == [("ADDED", "three")]


def test_watch_cache_window_restarts_with_the_apiserver() -> None:
    """With the watch cache (the default, as in real clusters) a watch resumes from any resourceVersion
    still in the cache's window, compaction or not; after an apiserver restart the window starts afresh
    and older resourceVersions are 410 Expired, so clients must re-list."""
    with KubeCluster(install_crds=False) as cluster:  # private: restarts and compaction stay here
        cluster.ensure_namespace("r")
        core = client.CoreV1Api(cluster.admin)
        rv = core.list_namespaced_service("r").metadata.resource_version
        core.create_namespaced_service("r", service_manifest("r", "cached"))
        cluster.compact()
        events = watch_events(core.list_namespaced_service, "r", resource_version=rv,
                              until=lambda ev: len(ev) >= 1)
        assert names_of(events) == [("ADDED", "cached")]

        cluster.restart_apiserver()
        core.create_namespaced_service("r", service_manifest("r", "later"))
        events = watch_events(core.list_namespaced_service, "r", resource_version=rv, until=lambda ev: True)
        assert [e["type"] for e in events] == ["ERROR"]
        assert (events[0]["object"]["code"], events[0]["object"]["reason"]) == (410, "Expired")

        listed = core.list_namespaced_service("r")
        assert {s.metadata.name for s in listed.items} == {"cached", "later"}
        core.create_namespaced_service("r", service_manifest("r", "latest"))
        events = watch_events(core.list_namespaced_service, "r", resource_version=listed.metadata.resource_version,
                              until=lambda ev: len(ev) >= 1)
        assert names_of(events) == [("ADDED", "latest")]


# --------------------------------------------------------------------------------------------------
# the harness itself


def test_apply_takes_yaml_files_lists_and_text(
    kube_cluster: KubeCluster, kube_namespace: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "objects.yaml"
    manifest.write_text(f"""\
apiVersion: v1
kind: ConfigMap
metadata: {{name: first, namespace: {kube_namespace}}}
data: {{a: "1"}}
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {{name: second, namespace: {kube_namespace}}}
""")
    applied = kube_cluster.apply(manifest)
    assert [o["metadata"]["name"] for o in applied] == ["first", "second"]

    # Server-side apply: applying again updates in place.
    (again,) = kube_cluster.apply_yaml(f"""\
apiVersion: v1
kind: ConfigMap
metadata: {{name: first, namespace: {kube_namespace}}}
data: {{a: "2"}}
""")
    assert again["data"] == {"a": "2"}
    assert again["metadata"]["uid"] == applied[0]["metadata"]["uid"]

    with pytest.raises(KubeHarnessError, match="does not serve"):
        kube_cluster.apply({"apiVersion": "example.com/v1", "kind": "Nope", "metadata": {"name": "x"}})


def test_bad_tokens_are_rejected(kube_cluster: KubeCluster) -> None:
    with kube_cluster.api_client(kube_cluster.kubeconfig_for_token("not-a-token")) as api:
        with pytest.raises(ApiException) as caught:
            client.CoreV1Api(api).list_namespace()
        assert caught.value.status == 401


def test_failed_start_reports_the_apiserver_log_and_cleans_up(tmp_path: Path) -> None:
    cluster = KubeCluster(extra_apiserver_args=["--no-such-flag"], workdir_parent=tmp_path)
    with pytest.raises(KubeHarnessError) as caught:
        cluster.start()
    message = str(caught.value)
    assert "kube-apiserver exited with code 1 during start-up" in message
    assert "unknown flag: --no-such-flag" in message  # from the log tail
    assert list(tmp_path.iterdir()) == [], "the work directory is removed"
    leftovers = [p for p in Path("/proc").glob("[0-9]*/cmdline")
                 if str(tmp_path) in p.read_bytes().decode(errors="replace")]
    assert leftovers == [], "etcd is stopped"
