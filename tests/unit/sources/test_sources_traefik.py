"""The traefik-proxy source on plain objects; the cases mirror external-dns v0.23.0's
source/traefik_proxy_test.go (same objects, same expected records)."""

from __future__ import annotations

import pytest
from sourcekit import Dict, ga, obj, reasons, records, store

from zonekeeper import live
from zonekeeper.config import Settings
from zonekeeper.sources import SOURCES, collect, specs_for, watched_kinds
from zonekeeper.sources.base import SourceConfig
from zonekeeper.sources.objects import (
    TRAEFIK_INGRESSROUTES,
    TRAEFIK_INGRESSROUTETCPS,
    TRAEFIK_INGRESSROUTEUDPS,
    TRAEFIK_LEGACY_INGRESSROUTES,
    TRAEFIK_LEGACY_INGRESSROUTETCPS,
    TRAEFIK_LEGACY_INGRESSROUTEUDPS,
)
from zonekeeper.sources.traefik_proxy import rule_hosts

CONFIG = SourceConfig()
TARGET = "target.domain.tld"
NEW, LEGACY = "traefik.io/v1alpha1", "traefik.containo.us/v1alpha1"


def route(kind: str = "IngressRoute", *matches: str, name: str = "r", api: str = NEW,
          annotations: dict[str, str] | None = None) -> Dict:
    spec = {"routes": [{"match": m} for m in matches]} if kind != "IngressRouteUDP" else None
    return obj(api, kind, name, "traefik", annotations=ga(target=TARGET) | (annotations or {}), spec=spec)


def run(*objects: Dict, config: SourceConfig = CONFIG) -> list[str]:
    return records(collect(store(*objects), ["traefik-proxy"], config))


@pytest.mark.parametrize(("match", "hosts"), [
    ("Host(`b.example.com`)", ["b.example.com"]),
    ("HostHeader(`c.example.com`)", ["c.example.com"]),
    ("Host(`d.example.com`) || Host(`e.example.com`)", ["d.example.com", "e.example.com"]),
    ("Host(`g.example.com`, `h.example.com`)", ["g.example.com", "h.example.com"]),
    ("HostSNI(`b.example.com`)", ["b.example.com"]),
    ("Host( `s.example.com` ) && PathPrefix(`/api`)", ["s.example.com"]),
    ("Host(`*`)", []),
    ("HostSNI(`*`)", []),
    # Not host matchers in external-dns's expression: a regexp and double quotes name nothing.
    ("HostRegexp(`{sub:[a-z]+}.example.com`)", []),
    ('Host("q.example.com")', []),
    ("PathPrefix(`/x`)", []),
])
def test_rule_hosts_reads_host_matchers_like_external_dns(match: str, hosts: list[str]) -> None:
    assert rule_hosts(match) == hosts


def test_ingressroute_names_from_rules_and_the_hostname_annotation() -> None:
    r = route("IngressRoute", "Host(`g.example.com`, `h.example.com`)",
              annotations=ga(hostname="f.example.com"))
    assert run(r) == [f"{h}.example.com CNAME -> {TARGET}" for h in "fgh"]
    ignored = SourceConfig(ignore_hostname_annotation=True)
    assert run(r, config=ignored) == [f"{h}.example.com CNAME -> {TARGET}" for h in "gh"]


def test_each_kind_carries_external_dns_s_resource_label() -> None:
    objects = [route("IngressRoute", "Host(`a.example.com`)", name="a"),
               route("IngressRouteTCP", "HostSNI(`b.example.com`)", name="b"),
               route("IngressRouteUDP", name="c", annotations=ga(hostname="c.example.com"))]
    result = collect(store(*objects), ["traefik-proxy"], CONFIG)
    assert sorted((e.name, e.resource) for e in result.endpoints) == [
        ("a.example.com", "ingressroute/traefik/a"), ("b.example.com", "ingressroutetcp/traefik/b"),
        ("c.example.com", "ingressrouteudp/traefik/c")]


def test_targets_ttl_and_provider_specific_annotations() -> None:
    r = route("IngressRoute", "Host(`a.example.com`)",
              annotations=ga(target="1.2.3.4,2001:db8::1", ttl="60", set_identifier="blue", aws_weight="10"))
    assert run(r) == ["a.example.com A [blue] -> 1.2.3.4", "a.example.com AAAA [blue] -> 2001:db8::1"]
    endpoint = collect(store(r), ["traefik-proxy"], CONFIG).endpoints[0]
    assert (endpoint.ttl, endpoint.prop("aws/weight")) == (60, "10")


def test_without_a_target_annotation_nothing_is_published() -> None:
    bare = obj(NEW, "IngressRoute", "r", "traefik", spec={"routes": [{"match": "Host(`a.example.com`)"}]})
    result = collect(store(bare), ["traefik-proxy"], CONFIG)
    assert (result.endpoints, result.problems) == ([], [])


def test_an_ingressrouteudp_has_only_its_annotation_names() -> None:
    udp = route("IngressRouteUDP", annotations=ga(hostname="u.example.com"))
    assert run(udp) == [f"u.example.com CNAME -> {TARGET}"]
    assert run(route("IngressRouteUDP")) == []


def test_objects_for_another_controller_are_left_alone() -> None:
    r = route("IngressRoute", "Host(`a.example.com`)", annotations=ga(controller="someone-else"))
    assert run(r) == []


def test_a_bad_rule_host_is_reported_and_the_others_still_published() -> None:
    r = route("IngressRoute", "Host(`bad..example.com`)", "Host(`ok.example.com`)")
    result = collect(store(r), ["traefik-proxy"], CONFIG)
    assert records(result) == [f"ok.example.com CNAME -> {TARGET}"]
    assert reasons(result) == ["InvalidHostname"]
    assert "spec.routes[0].match" in result.problems[0].message


def test_the_groups_follow_the_flags() -> None:
    new = route("IngressRoute", "Host(`new.example.com`)", name="n")
    old = route("IngressRoute", "Host(`old.example.com`)", name="o", api=LEGACY)
    both = (new, old)
    assert run(*both) == [f"new.example.com CNAME -> {TARGET}"]
    assert run(*both, config=SourceConfig(traefik_enable_legacy=True)) == [
        f"new.example.com CNAME -> {TARGET}", f"old.example.com CNAME -> {TARGET}"]
    assert run(*both, config=SourceConfig(traefik_enable_legacy=True, traefik_disable_new=True)) == [
        f"old.example.com CNAME -> {TARGET}"]
    assert run(*both, config=SourceConfig(traefik_disable_new=True)) == []


def test_watched_kinds_follow_the_flags() -> None:
    new = {TRAEFIK_INGRESSROUTES, TRAEFIK_INGRESSROUTETCPS, TRAEFIK_INGRESSROUTEUDPS}
    legacy = {TRAEFIK_LEGACY_INGRESSROUTES, TRAEFIK_LEGACY_INGRESSROUTETCPS, TRAEFIK_LEGACY_INGRESSROUTEUDPS}
    assert set(watched_kinds(["traefik-proxy"], CONFIG)) == new
    assert set(watched_kinds(["traefik-proxy"], SourceConfig(traefik_enable_legacy=True))) == new | legacy
    assert set(live.watched_kinds(Settings.of(sources=("traefik-proxy",), traefik_enable_legacy=True,
                                              traefik_disable_new=True))) == legacy
    assert len(SOURCES["traefik-proxy"].parts) == 6


def test_a_route_is_its_only_dependent() -> None:
    r = route("IngressRoute", "Host(`a.example.com`)")
    for spec in specs_for(["traefik-proxy"], SourceConfig(traefik_enable_legacy=True)):
        assert list(spec.dependents(spec.kind, r, store(r))) == [("traefik", "r")]
        other = TRAEFIK_INGRESSROUTEUDPS if spec.kind != TRAEFIK_INGRESSROUTEUDPS else TRAEFIK_INGRESSROUTES
        assert list(spec.dependents(other, r, store(r))) == []


def test_an_event_about_a_legacy_route_names_the_cached_one() -> None:
    from zonekeeper.kube.objectref import ObjectRef

    cached = {TRAEFIK_LEGACY_INGRESSROUTES: {"apiVersion": LEGACY, "kind": "IngressRoute",
                                            "metadata": {"name": "r", "namespace": "traefik", "uid": "u1"}}}
    ref = ObjectRef.from_resource_label("ingressroute/traefik/r", lambda kind, ns, name: cached.get(kind))
    assert ref is not None and (ref.api_version, ref.uid) == (LEGACY, "u1")
    # Nothing cached: the traefik.io group, which external-dns reads by default.
    ref = ObjectRef.from_resource_label("ingressroute/traefik/r")
    assert ref is not None and ref.api_version == NEW
