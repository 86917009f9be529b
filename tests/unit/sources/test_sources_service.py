from __future__ import annotations

from typing import Any

import pytest
from sourcekit import (
    alpha,
    endpoint_slice,
    ga,
    node,
    pod,
    reasons,
    records,
    service,
    slice_endpoint,
    store,
)

from zonekeeper.sources import service as source
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.objects import ENDPOINTSLICES, NODES, PODS, SERVICES, ObjectStore

CONFIG = SourceConfig()
NLB = "k8s-default-web-0123456789-abcdef0123456789.elb.us-east-1.amazonaws.com"


def run(svc: dict[str, Any], *others: dict[str, Any], config: SourceConfig = CONFIG) -> SourceResult:
    return source.endpoints(svc, store(svc, *others), config)


# --- LoadBalancer -------------------------------------------------------------------------------


def test_load_balancer_hostname_gives_a_cname_with_resource_label() -> None:
    result = run(service(annotations=ga(hostname="web.example.com"), lb=(NLB,)))
    assert records(result) == [f"web.example.com CNAME -> {NLB}"]
    assert result.endpoints[0].resource == "service/default/web"
    assert result.problems == []


def test_load_balancer_ips_give_a_records() -> None:
    result = run(
        service(annotations=ga(hostname="web.example.com"), lb=("1.2.3.4", "5.6.7.8", "2001:db8::5"))
    )
    assert records(result) == ["web.example.com A -> 1.2.3.4,5.6.7.8", "web.example.com AAAA -> 2001:db8::5"]


def test_load_balancer_entry_with_ip_and_hostname_publishes_both_kinds_but_cname_conflicts() -> None:
    svc = service(annotations=ga(hostname="web.example.com"))
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "1.2.3.4", "hostname": NLB}]}}
    result = run(svc)
    assert records(result) == ["web.example.com A -> 1.2.3.4"]
    assert reasons(result) == ["ConflictingTargets"]


def test_external_ips_win_over_load_balancer_status() -> None:
    svc = service(annotations=ga(hostname="web.example.com"), lb=(NLB,), externalIPs=["198.51.100.1"])
    assert records(run(svc)) == ["web.example.com A -> 198.51.100.1"]


def test_target_annotation_overrides_everything() -> None:
    svc = service(
        annotations=ga(hostname="web.example.com", target="203.0.113.9"), lb=(NLB,), externalIPs=["1.1.1.1"]
    )
    assert records(run(svc)) == ["web.example.com A -> 203.0.113.9"]


def test_invalid_target_annotation_does_not_fall_back_to_status() -> None:
    result = run(service(annotations=ga(hostname="web.example.com", target="1.2.3.999"), lb=(NLB,)))
    assert records(result) == []
    assert reasons(result) == ["InvalidTarget"]


def test_internal_hostname_publishes_cluster_ips() -> None:
    svc = service(
        annotations=ga(hostname="web.example.com", internal_hostname="web.internal.example.com"),
        lb=(NLB,),
        clusterIPs=["10.0.0.10", "fd00::10"],
    )
    assert records(run(svc)) == [
        f"web.example.com CNAME -> {NLB}",
        "web.internal.example.com A -> 10.0.0.10",
        "web.internal.example.com AAAA -> fd00::10",
    ]


def test_common_annotations_apply_to_every_record() -> None:
    svc = service(
        annotations=ga(
            hostname="a.example.com,b.example.com", ttl="5m", set_identifier="blue", aws_weight="90"
        ),
        lb=(NLB,),
    )
    result = run(svc)
    assert len(result.endpoints) == 2
    for endpoint in result.endpoints:
        assert endpoint.ttl == 300
        assert endpoint.set_identifier == "blue"
        assert endpoint.prop("aws/weight") == "90"


def test_alpha_prefix_alone_works_and_ga_wins() -> None:
    assert records(run(service(annotations=alpha(hostname="old.example.com"), lb=("1.2.3.4",)))) == [
        "old.example.com A -> 1.2.3.4"
    ]
    both = {**alpha(hostname="old.example.com"), **ga(hostname="new.example.com")}
    assert records(run(service(annotations=both, lb=("1.2.3.4",)))) == ["new.example.com A -> 1.2.3.4"]


def test_bad_ttl_reported_but_record_still_published_with_default_ttl() -> None:
    result = run(service(annotations=ga(hostname="web.example.com", ttl="soon"), lb=("1.2.3.4",)))
    assert records(result) == ["web.example.com A -> 1.2.3.4"]
    assert result.endpoints[0].ttl == 0
    assert reasons(result) == ["InvalidAnnotation"]
    assert result.problems[0].subject == "service/default/web"
    assert "external-dns.kubernetes.io/ttl" in result.problems[0].message


def test_invalid_hostname_reported_and_other_hostnames_still_published() -> None:
    result = run(service(annotations=ga(hostname="good.example.com,bad..example.com"), lb=("1.2.3.4",)))
    assert records(result) == ["good.example.com A -> 1.2.3.4"]
    assert reasons(result) == ["InvalidHostname"]


def test_invalid_alias_value_reported() -> None:
    result = run(service(annotations=ga(hostname="web.example.com", alias="sure"), lb=(NLB,)))
    assert records(result) == [f"web.example.com CNAME -> {NLB}"]
    assert result.endpoints[0].prop("alias") is None
    assert reasons(result) == ["InvalidAnnotation"]


@pytest.mark.parametrize(
    ("value", "expected"), [("true", "true"), ("false", "false"), ("A", "A"), ("AAAA", "AAAA")]
)
def test_alias_values_are_honoured(value: str, expected: str) -> None:
    result = run(service(annotations=ga(hostname="web.example.com", alias=value), lb=(NLB,)))
    assert result.endpoints[0].prop("alias") == expected


def test_no_hostname_annotation_no_records() -> None:
    assert run(service(lb=("1.2.3.4",))).endpoints == []
    assert run(service(type="ClusterIP"), config=SourceConfig(publish_internal_services=True)).endpoints == []


def test_ignore_hostname_annotation() -> None:
    svc = service(
        annotations=ga(hostname="a.example.com", internal_hostname="b.example.com"), lb=("1.2.3.4",)
    )
    assert run(svc, config=SourceConfig(ignore_hostname_annotation=True)).endpoints == []


def test_controller_annotation_skips_foreign_objects() -> None:
    svc = service(annotations=ga(hostname="web.example.com", controller="other"), lb=("1.2.3.4",))
    assert run(svc) == SourceResult()
    assert records(run(svc, config=SourceConfig(controller_name="other"))) == ["web.example.com A -> 1.2.3.4"]


@pytest.mark.parametrize(
    ("types", "published"),
    [((), True), (("LoadBalancer",), True), (("NodePort", "ClusterIP"), False)],
)
def test_service_type_filter(types: tuple[str, ...], published: bool) -> None:
    result = run(
        service(annotations=ga(hostname="web.example.com"), lb=("1.2.3.4",)),
        config=SourceConfig(service_type_filter=types),
    )
    assert bool(result.endpoints) is published


# --- ClusterIP / ExternalName -------------------------------------------------------------------


def test_cluster_ip_needs_publish_internal_services() -> None:
    svc = service(type="ClusterIP", annotations=ga(hostname="int.example.com"))
    assert run(svc).endpoints == []
    assert records(run(svc, config=SourceConfig(publish_internal_services=True))) == [
        "int.example.com A -> 10.0.0.10"
    ]


def test_cluster_ip_internal_hostname_without_flag() -> None:
    svc = service(type="ClusterIP", annotations=alpha(internal_hostname="int.example.com"))
    assert records(run(svc)) == ["int.example.com A -> 10.0.0.10"]


def test_cluster_ip_with_target_annotation() -> None:
    svc = service(
        type="ClusterIP", annotations=ga(hostname="api.example.com", target="198.51.100.7", ttl="60")
    )
    result = run(svc)
    assert records(result) == ["api.example.com A -> 198.51.100.7"]
    assert result.endpoints[0].ttl == 60


def test_external_name() -> None:
    svc = service(
        type="ExternalName",
        annotations=ga(hostname="db.example.com"),
        cluster_ip="",
        externalName="db.example.net",
    )
    assert records(run(svc)) == ["db.example.com CNAME -> db.example.net"]
    svc["spec"]["externalIPs"] = ["192.0.2.3"]
    assert records(run(svc)) == ["db.example.com A -> 192.0.2.3"]


# --- NodePort -----------------------------------------------------------------------------------

NODES_MIXED = (
    node("n1", external=("198.51.100.1",), internal=("10.1.0.1",)),
    node("n2", internal=("10.1.0.2",)),
    node("n3", external=("198.51.100.3",), internal=("10.1.0.3",), unschedulable=True),
)


def node_port(annotations: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return service(
        "np",
        type="NodePort",
        annotations={**ga(hostname="np.example.com"), **(annotations or {})},
        selector={"app": "np"},
        ports=[
            {"port": 80, "nodePort": 30080, "protocol": "TCP"},
            {"port": 53, "nodePort": 30053, "protocol": "UDP"},
        ],
        **spec,
    )


def a_record(result: SourceResult) -> list[str]:
    return [r for r in records(result) if " SRV " not in r]


@pytest.mark.parametrize(
    ("access", "expected"),
    [
        (None, "np.example.com A -> 198.51.100.1"),
        ("public", "np.example.com A -> 198.51.100.1"),
        ("private", "np.example.com A -> 10.1.0.1,10.1.0.2"),
    ],
)
def test_node_port_access(access: str | None, expected: str) -> None:
    annotations = ga(access=access) if access else {}
    assert a_record(run(node_port(annotations), *NODES_MIXED)) == [expected]


def test_node_port_falls_back_to_internal_ips_without_external_ones() -> None:
    nodes = (node("n1", internal=("10.1.0.1",)), node("n2", internal=("10.1.0.2",)))
    assert a_record(run(node_port(), *nodes)) == ["np.example.com A -> 10.1.0.1,10.1.0.2"]
    assert a_record(run(node_port(ga(access="public")), *nodes)) == []


def test_node_port_unschedulable_nodes() -> None:
    result = run(node_port(), *NODES_MIXED, config=SourceConfig(exclude_unschedulable=False))
    assert a_record(result) == ["np.example.com A -> 198.51.100.1,198.51.100.3"]


def test_node_port_srv_records() -> None:
    result = run(node_port(ga(ttl="30")), *NODES_MIXED)
    srv = [e for e in result.endpoints if e.type == "SRV"]
    assert sorted(str(e) for e in srv) == [
        "_np._tcp.np.example.com SRV -> 0 50 30080 np.example.com.",
        "_np._udp.np.example.com SRV -> 0 50 30053 np.example.com.",
    ]
    assert {e.ttl for e in srv} == {30}


def test_node_port_invalid_access_is_reported_and_auto_applies() -> None:
    result = run(node_port(ga(access="internal")), *NODES_MIXED)
    assert a_record(result) == ["np.example.com A -> 198.51.100.1"]
    assert reasons(result) == ["InvalidAnnotation"]


def local_pods(*specs: tuple[str, str, bool, bool, str]) -> list[dict[str, Any]]:
    return [
        pod(name, labels={"app": "np"}, node=node_name, ready=ready, deleting=deleting, phase=phase)
        for name, node_name, ready, deleting, phase in specs
    ]


NODES_ALL_EXTERNAL = (
    node("n1", external=("198.51.100.1",)),
    node("n2", external=("198.51.100.2",)),
    node("n3", external=("198.51.100.3",)),
)


def test_external_traffic_policy_local_uses_nodes_with_ready_pods() -> None:
    pods = local_pods(
        ("p1", "n1", True, False, "Running"),
        ("p2", "n2", False, False, "Running"),
        ("p3", "n3", True, True, "Running"),
    )
    other = pod("other", labels={"app": "else"}, node="n2")
    result = run(node_port(externalTrafficPolicy="Local"), *NODES_ALL_EXTERNAL, *pods, other)
    assert a_record(result) == ["np.example.com A -> 198.51.100.1"]


def test_external_traffic_policy_local_falls_back_to_terminating_then_running() -> None:
    pods = local_pods(("p2", "n2", False, False, "Running"), ("p3", "n3", True, True, "Running"))
    assert a_record(run(node_port(externalTrafficPolicy="Local"), *NODES_ALL_EXTERNAL, *pods)) == [
        "np.example.com A -> 198.51.100.3"
    ]
    pods = local_pods(("p2", "n2", False, False, "Running"), ("p1", "n1", False, False, "Pending"))
    assert a_record(run(node_port(externalTrafficPolicy="Local"), *NODES_ALL_EXTERNAL, *pods)) == [
        "np.example.com A -> 198.51.100.2"
    ]


def test_external_traffic_policy_local_without_pods_publishes_nothing() -> None:
    assert run(node_port(externalTrafficPolicy="Local"), *NODES_ALL_EXTERNAL).endpoints == []


# --- headless -----------------------------------------------------------------------------------


def headless(annotations: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return service(
        "kafka",
        type="ClusterIP",
        cluster_ip="None",
        annotations={**ga(hostname="kafka.example.com"), **(annotations or {})},
        selector={"app": "kafka"},
        **spec,
    )


PODS_K = (
    pod("kafka-0", labels={"app": "kafka"}, node="n1", hostname="kafka-0", host_ip="10.1.0.1"),
    pod("kafka-1", labels={"app": "kafka"}, node="n2", host_ip="10.1.0.2"),
    pod("kafka-2", labels={"app": "kafka"}, node="n1", host_ip="10.1.0.1"),
)
NODES_K = (
    node("n1", external=("198.51.100.1",), internal=("10.1.0.1",)),
    node("n2", external=("198.51.100.2",)),
)


def slices_k(ready2: bool | None = False) -> dict[str, Any]:
    return endpoint_slice(
        "kafka",
        slice_endpoint("10.2.0.1", pod="kafka-0"),
        slice_endpoint("10.2.0.2", ready=True, pod="kafka-1", hostname="broker-1"),
        slice_endpoint("10.2.0.3", ready=ready2, pod="kafka-2"),
    )


def test_headless_publishes_ready_endpoints_and_pod_hostnames() -> None:
    result = run(headless(), slices_k(), *PODS_K, *NODES_K)
    assert records(result) == [
        "broker-1.kafka.example.com A -> 10.2.0.2",
        "kafka-0.kafka.example.com A -> 10.2.0.1",
        "kafka.example.com A -> 10.2.0.1,10.2.0.2",
    ]
    assert {e.resource for e in result.endpoints} == {"service/default/kafka"}


@pytest.mark.parametrize(
    ("spec", "config"),
    [
        ({"publishNotReadyAddresses": True}, CONFIG),
        ({}, SourceConfig(always_publish_not_ready_addresses=True)),
    ],
)
def test_headless_not_ready_addresses_when_asked(spec: dict[str, Any], config: SourceConfig) -> None:
    result = run(headless(**spec), slices_k(), *PODS_K, config=config)
    assert "kafka.example.com A -> 10.2.0.1,10.2.0.2,10.2.0.3" in records(result)


def test_headless_node_external_ip() -> None:
    result = run(headless(ga(endpoints_type="NodeExternalIP")), slices_k(ready2=None), *PODS_K, *NODES_K)
    assert records(result) == [
        "broker-1.kafka.example.com A -> 198.51.100.2",
        "kafka-0.kafka.example.com A -> 198.51.100.1",
        "kafka.example.com A -> 198.51.100.1,198.51.100.2",
    ]


@pytest.mark.parametrize(
    ("annotations", "config"),
    [(ga(endpoints_type="HostIP"), CONFIG), ({}, SourceConfig(publish_host_ip=True))],
)
def test_headless_host_ip(annotations: dict[str, str], config: SourceConfig) -> None:
    result = run(headless(annotations), slices_k(), *PODS_K, config=config)
    assert "kafka.example.com A -> 10.1.0.1,10.1.0.2" in records(result)


def test_headless_pod_target_annotation_wins() -> None:
    pods = list(PODS_K)
    pods[0] = pod(
        "kafka-0", labels={"app": "kafka"}, hostname="kafka-0", annotations=ga(target="203.0.113.50")
    )
    result = run(headless(ga(endpoints_type="HostIP")), slices_k(), *pods)
    assert "kafka-0.kafka.example.com A -> 203.0.113.50" in records(result)
    assert "kafka.example.com A -> 10.1.0.2,203.0.113.50" in records(result)


def test_headless_ignores_other_services_slices_and_fqdn_slices() -> None:
    other = endpoint_slice("other", slice_endpoint("10.9.9.9"), name="other-1")
    fqdn = endpoint_slice("kafka", slice_endpoint("x.example.net"), name="kafka-fqdn", address_type="FQDN")
    v6 = endpoint_slice("kafka", slice_endpoint("fd00::7"), name="kafka-v6", address_type="IPv6")
    assert records(run(headless(), other, fqdn, v6)) == ["kafka.example.com AAAA -> fd00::7"]


def test_headless_without_slices_publishes_nothing() -> None:
    assert run(headless()).endpoints == []


def test_headless_invalid_endpoints_type_reported() -> None:
    result = run(headless(ga(endpoints_type="PodIP")), slices_k(), *PODS_K)
    assert reasons(result) == ["InvalidAnnotation"]
    assert "kafka.example.com A -> 10.2.0.1,10.2.0.2" in records(result)


# --- dependents ---------------------------------------------------------------------------------


def test_dependents() -> None:
    svc_np = node_port()
    svc_hl = headless()
    svc_lb = service(annotations=ga(hostname="web.example.com"), selector={"app": "np"})
    view = ObjectStore([svc_np, svc_hl, svc_lb, slices_k(), *PODS_K])
    assert list(source.dependents(SERVICES, svc_lb, view)) == [("default", "web")]
    assert list(source.dependents(ENDPOINTSLICES, slices_k(), view)) == [("default", "kafka")]
    assert sorted(source.dependents(NODES, node("n9"), view)) == [("default", "kafka"), ("default", "np")]
    assert list(source.dependents(PODS, pod("x", labels={"app": "np"}), view)) == [("default", "np")]
    assert list(source.dependents(PODS, PODS_K[1], view)) == [("default", "kafka")]
    assert list(source.dependents(PODS, pod("y", namespace="elsewhere", labels={"app": "np"}), view)) == []
