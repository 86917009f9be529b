"""--default-targets / --force-default-targets, --target-net-filter / --exclude-target-net and --min-ttl:
external-dns v0.23's source wrappers, applied to every object's endpoints by `run_one`."""

from __future__ import annotations

import ipaddress

import pytest
from sourcekit import dns_endpoint, ga, service, store

from zonekeeper.config import ConfigError, Settings
from zonekeeper.endpoint import Endpoint
from zonekeeper.sources import SOURCES, postprocess, run_one
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.wiring import source_config

LB = "k8s-web-0123456789.elb.us-east-1.amazonaws.com"


def nets(*values: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return postprocess.parse_networks(values, "--target-net-filter")


def ep(name: str, rtype: str, *targets: str, ttl: int = 0) -> Endpoint:
    return Endpoint.new(name, rtype, targets, ttl=ttl, set_identifier="eu", provider_specific={"aws/weight": "1"},
                        labels={"resource": "crd/default/x", "team": "web"})


def rows(result: SourceResult) -> list[tuple[str, str, tuple[str, ...], int]]:
    return sorted((e.name, e.type, e.targets, e.ttl) for e in result.endpoints)


def test_default_targets_fill_in_only_endpoints_without_targets() -> None:
    config = SourceConfig(default_targets=("192.0.2.1", "2001:db8::1"))
    result = postprocess.apply(SourceResult([ep("a.example.com", "A"), ep("b.example.com", "A", "198.51.100.1")]),
                               config)
    assert rows(result) == [("a.example.com", "A", ("192.0.2.1",), 0), ("a.example.com", "AAAA", ("2001:db8::1",), 0),
                            ("b.example.com", "A", ("198.51.100.1",), 0)]
    made = [e for e in result.endpoints if e.name == "a.example.com"]
    # Name, set identifier, properties and every label carry over.
    assert {(e.set_identifier, e.provider_specific, e.labels) for e in made} == {
        ("eu", (("aws/weight", "1"),), (("resource", "crd/default/x"), ("team", "web")))}


def test_forced_default_targets_replace_every_endpoint_whatever_its_type() -> None:
    config = SourceConfig(default_targets=("lb.example.net",), force_default_targets=True)
    result = postprocess.apply(SourceResult([ep("a.example.com", "A", "198.51.100.1"),
                                             ep("b.example.com", "TXT", "hello", ttl=60)]), config)
    assert rows(result) == [("a.example.com", "CNAME", ("lb.example.net",), 0),
                            ("b.example.com", "CNAME", ("lb.example.net",), 60)]


@pytest.mark.parametrize(("include", "exclude", "expected"), [
    ((), (), ("10.1.2.3", "192.0.2.1", "2001:db8::1", LB)),
    (("10.0.0.0/8",), (), ("10.1.2.3",)),                      # a hostname is in no network
    (("10.0.0.0/8", "2001:db8::/32"), (), ("10.1.2.3", "2001:db8::1")),
    ((), ("10.0.0.0/8",), ("192.0.2.1", "2001:db8::1", LB)),   # exclusions alone keep hostnames
    (("10.0.0.0/8",), ("10.1.0.0/16",), None),                 # nothing left: the endpoint is dropped
    (("10.1.2.3/8",), (), ("10.1.2.3",)),                      # host bits allowed, as Go's ParseCIDR
])
def test_target_net_filter(include: tuple[str, ...], exclude: tuple[str, ...],
                           expected: tuple[str, ...] | None) -> None:
    endpoint = Endpoint.new("a.example.com", "A", ["10.1.2.3", "192.0.2.1", "2001:db8::1", LB])
    kept = postprocess.filter_targets(endpoint, nets(*include), nets(*exclude))
    assert (kept.targets if kept is not None else None) == (tuple(sorted(expected)) if expected else None)


def test_an_ipv4_mapped_address_is_in_its_ipv4_network() -> None:
    endpoint = Endpoint.new("a.example.com", "AAAA", ["::ffff:10.0.0.5"])
    assert postprocess.filter_targets(endpoint, nets("10.0.0.0/8"), ()) == endpoint


def test_min_ttl_is_the_default_of_unset_ttls_only() -> None:
    config = SourceConfig(min_ttl=60)
    result = postprocess.apply(SourceResult([ep("a.example.com", "A", "192.0.2.1"),
                                             ep("b.example.com", "A", "192.0.2.2", ttl=30)]), config)
    assert rows(result) == [("a.example.com", "A", ("192.0.2.1",), 60), ("b.example.com", "A", ("192.0.2.2",), 30)]


def test_run_one_applies_them_to_a_source_dns_endpoint_without_targets() -> None:
    obj = dns_endpoint("records", "default", {"dnsName": "bare.example.com", "recordType": "A"},
                       {"dnsName": "set.example.com", "recordType": "A", "targets": ["10.0.0.1", "192.0.2.7"]})
    view = store(obj)
    plain = run_one(SOURCES["crd"].only, obj, view, SourceConfig())
    assert [e.name for e in plain.endpoints] == ["set.example.com"]
    assert [p.reason for p in plain.problems] == ["MissingTargets"]
    config = SourceConfig(default_targets=("192.0.2.50",), exclude_target_nets=nets("10.0.0.0/8"), min_ttl=120)
    result = run_one(SOURCES["crd"].only, obj, view, config)
    assert rows(result) == [("bare.example.com", "A", ("192.0.2.50",), 120),
                            ("set.example.com", "A", ("192.0.2.7",), 120)]
    assert result.problems == []


def test_run_one_filters_a_service_s_load_balancer_targets() -> None:
    svc = service(annotations=ga(hostname="web.example.com"), lb=("10.0.0.9", LB))
    config = SourceConfig(target_net_filter=nets("10.0.0.0/8"))
    assert rows(run_one(SOURCES["service"].only, svc, store(svc), config)) == [("web.example.com", "A", ("10.0.0.9",), 0)]


@pytest.mark.parametrize(("values", "message"), [
    ({"target_net_filter": ("10.0.0.0",)}, "--target-net-filter '10.0.0.0': want a network in CIDR notation"),
    ({"exclude_target_net": ("10.0.0.0/33",)}, "--exclude-target-net '10.0.0.0/33'"),
    ({"default_targets": ("not a target",)}, "--default-targets 'not a target'"),
    ({"force_default_targets": True}, "--force-default-targets needs --default-targets"),
    ({"min_ttl": -1.0}, "--min-ttl must not be negative"),
])
def test_bad_values_are_config_errors(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        Settings.of(**values).validate()  # type: ignore[arg-type]


def test_settings_reach_the_source_config() -> None:
    config = source_config(Settings.of(default_targets=("lb.example.net.",), force_default_targets=True,
                                       target_net_filter=("10.0.0.0/8",), exclude_target_net=("10.9.0.0/16",),
                                       min_ttl=90.9))
    assert (config.default_targets, config.force_default_targets, config.min_ttl) == (("lb.example.net",), True, 90)
    assert config.target_net_filter == nets("10.0.0.0/8")
    assert config.exclude_target_nets == nets("10.9.0.0/16")


NAT64 = postprocess.parse_nat64(["2001:DB8::/96"])


@pytest.mark.parametrize(("targets", "a_targets"), [
    (("2001:db8:1::1",), None),                       # outside the prefix (external-dns's cases)
    (("2001:db8::192.0.2.42",), ("192.0.2.42",)),
    (("2001:db8::c000:22a",), ("192.0.2.42",)),
    (("2001:db8::c000:22a", "2001:db8:1::1", "2001:db8::c633:6401"), ("192.0.2.42", "198.51.100.1")),
])
def test_nat64_adds_an_a_endpoint_of_the_embedded_ipv4_addresses(targets: tuple[str, ...],
                                                                   a_targets: tuple[str, ...] | None) -> None:
    aaaa = ep("foo.example.org", "AAAA", *targets, ttl=60)
    result = postprocess.apply(SourceResult([aaaa]), SourceConfig(nat64_networks=NAT64))
    assert [e for e in result.endpoints if e.type == "AAAA"] == [aaaa]  # the AAAA stays whole
    a = [e for e in result.endpoints if e.type == "A"]
    if a_targets is None:
        assert a == []
    else:
        assert a == [aaaa.evolve(type="A", targets=a_targets)]  # name, TTL, set id, properties, labels kept


def test_nat64_leaves_other_types_alone_and_runs_before_the_target_filter() -> None:
    config = SourceConfig(nat64_networks=NAT64, target_net_filter=nets("192.0.2.0/24"))
    result = postprocess.apply(SourceResult([ep("a.example.org", "A", "203.0.113.9"),
                                             ep("b.example.org", "AAAA", "2001:db8::c000:22a")]), config)
    assert rows(result) == [("b.example.org", "A", ("192.0.2.42",), 0)]


@pytest.mark.parametrize("bad", ["2001:db8::/64", "192.0.2.0/24", "2001:db8::"])
def test_nat64_networks_must_be_ipv6_96_prefixes(bad: str) -> None:
    with pytest.raises(ConfigError, match="--nat64-networks"):
        Settings.of(nat64_networks=(bad,)).validate()


def test_prefer_alias_marks_cnames_without_an_alias_property() -> None:
    plain = ep("a.example.com", "CNAME", LB)
    chosen = ep("b.example.com", "CNAME", LB).with_provider_specific({"alias": "false"})
    address = ep("c.example.com", "A", "192.0.2.1")
    result = postprocess.apply(SourceResult([plain, chosen, address]), SourceConfig(prefer_alias=True))
    by_name = {e.name: e for e in result.endpoints}
    assert by_name["a.example.com"].prop("alias") == "true"
    assert by_name["a.example.com"].prop("aws/weight") == "1"
    assert by_name["b.example.com"] == chosen  # an explicit alias property is kept, as external-dns does
    assert by_name["c.example.com"] == address
    assert postprocess.apply(SourceResult([plain]), SourceConfig()).endpoints == [plain]


def test_the_flags_reach_the_source_config() -> None:
    config = source_config(Settings.of(nat64_networks=("64:ff9b::/96",), prefer_alias=True))
    assert config.nat64_networks == (ipaddress.IPv6Network("64:ff9b::/96"),)
    assert config.prefer_alias is True


def test_create_ptr_points_each_address_back_at_its_names() -> None:
    """external-dns's ptr wrapper cases: A and AAAA, several names on one address (the smaller TTL),
    wildcards and other types left out, no `resource` label."""
    result = postprocess.apply(SourceResult([
        ep("web.example.com", "A", "192.0.2.1", "192.0.2.2", ttl=300),
        ep("www.example.com", "A", "192.0.2.1", ttl=60),
        ep("v6.example.com", "AAAA", "2001:db8::1"),
        ep("*.wild.example.com", "A", "192.0.2.9"),
        ep("alias.example.com", "CNAME", LB),
    ]), SourceConfig(create_ptr=True))
    ptrs = sorted((e.name, e.targets, e.ttl, e.labels) for e in result.endpoints if e.type == "PTR")
    assert ptrs == [
        ("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", ("v6.example.com",), 0, ()),
        ("1.2.0.192.in-addr.arpa", ("web.example.com", "www.example.com"), 60, ()),
        ("2.2.0.192.in-addr.arpa", ("web.example.com",), 300, ()),
    ]
    assert len(result.endpoints) == 5 + 3  # the forward endpoints are all kept
    assert [e for e in postprocess.apply(SourceResult([ep("a.example.com", "A", "192.0.2.1")]),
                                         SourceConfig()).endpoints if e.type == "PTR"] == []


def test_create_ptr_follows_the_target_filter_and_takes_min_ttl() -> None:
    config = SourceConfig(create_ptr=True, exclude_target_nets=nets("192.0.2.2/32"), min_ttl=120)
    result = postprocess.apply(SourceResult([ep("web.example.com", "A", "192.0.2.1", "192.0.2.2")]), config)
    assert [(e.name, e.ttl) for e in result.endpoints if e.type == "PTR"] == [("1.2.0.192.in-addr.arpa", 120)]


def test_create_ptr_needs_ptr_among_the_managed_types() -> None:
    with pytest.raises(ConfigError, match="--create-ptr requires PTR in --managed-record-types"):
        Settings.of(create_ptr=True).validate()
    Settings.of(create_ptr=True, managed_record_types=("A", "AAAA", "CNAME", "PTR")).validate()
    assert source_config(Settings.of(create_ptr=True)).create_ptr is True
