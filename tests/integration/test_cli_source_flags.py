"""Source-side flags that change what reaches Route 53, through the real CLI (`plan` / `run --once
--from-file`) against the strict Route 53 endpoint."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support.route53 import StrictRoute53Server
from zonekeeper.cli import main

SHARDED = textwrap.dedent("""
    apiVersion: v1
    kind: Service
    metadata:
      name: a
      namespace: default
      annotations: {shard-a.example.org/hostname: a.example.com}
    spec: {type: LoadBalancer}
    status: {loadBalancer: {ingress: [{ip: 203.0.113.1}]}}
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: b
      namespace: default
      annotations: {shard-b.example.org/hostname: b.example.com, shard-b.example.org/ttl: "60"}
    spec: {type: LoadBalancer}
    status: {loadBalancer: {ingress: [{ip: 203.0.113.2}]}}
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: legacy
      namespace: default
      annotations: {external-dns.alpha.kubernetes.io/hostname: legacy.example.com}
    spec: {type: LoadBalancer}
    status: {loadBalancer: {ingress: [{ip: 203.0.113.3}]}}
    """)


@pytest.fixture
def env(route53: StrictRoute53Server, monkeypatch: pytest.MonkeyPatch) -> str:
    zone_id = route53.create_zone("example.com")
    values = {"AWS_ENDPOINT_URL_ROUTE_53": route53.endpoint, "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t",
              "AWS_DEFAULT_REGION": "us-east-1"}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return zone_id


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "objects.yaml"
    path.write_text(text)
    return str(path)


def planned(*args: str) -> list[dict[str, Any]]:
    code, out = invoke("plan", "--output", "json", *args)
    assert code == 0, out
    changes: list[dict[str, Any]] = json.loads(out)["changes"]
    return changes


def addresses(route53: StrictRoute53Server, zone_id: str) -> dict[str, tuple[str, int]]:
    return {r["Name"].rstrip("."): (r["ResourceRecords"][0]["Value"], r["TTL"])
            for r in route53.records(zone_id) if r["Type"] == "A"}


def test_two_instances_shard_one_cluster_by_annotation_prefix(env: str, tmp_path: Path,
                                                              route53: StrictRoute53Server) -> None:
    objects = write(tmp_path, SHARDED)
    shard_a = ["--from-file", objects, "--txt-owner-id", "a", "--annotation-prefix", "shard-a.example.org/"]
    shard_b = ["--from-file", objects, "--txt-owner-id", "b", "--annotation-prefix", "shard-b.example.org/"]
    assert [c["name"] for c in planned(*shard_a) if c["type"] == "A"] == ["a.example.com"]
    for args in (shard_a, shard_b):
        code, out = invoke("run", "--once", "--policy", "sync", *args)
        assert code == 0, out
    assert addresses(route53, env) == {"a.example.com": ("203.0.113.1", 300), "b.example.com": ("203.0.113.2", 60)}
    # Neither instance wants to touch the other's records, nor the legacy-prefix object.
    for args in (shard_a, shard_b):
        assert planned("--policy", "sync", *args) == []


def test_legacy_prefix_flag_default_on_explicit_off(env: str, tmp_path: Path) -> None:
    objects = write(tmp_path, SHARDED)
    names = {c["name"] for c in planned("--from-file", objects) if c["type"] == "A"}
    assert names == {"legacy.example.com"}
    # external-dns v0.23's default: the configured prefix only.
    assert planned("--from-file", objects, "--no-enable-legacy-annotation-prefix") == []
    names = {c["name"] for c in planned("--from-file", objects, "--annotation-prefix", "shard-a.example.org/",
                                        "--enable-legacy-annotation-prefix") if c["type"] == "A"}
    assert names == {"a.example.com", "legacy.example.com"}


@pytest.mark.parametrize(("args", "message"), [
    (["--annotation-prefix", "shard-a"], "must end with '/'"),
    (["--annotation-prefix", "external-dns.alpha.kubernetes.io/", "--enable-legacy-annotation-prefix"],
     "starts with the legacy prefix"),
])
def test_bad_prefix_flags_exit_64(env: str, tmp_path: Path, args: list[str], message: str) -> None:
    code, out = invoke("plan", "--from-file", write(tmp_path, SHARDED), *args)
    assert code == 64
    assert message in out


TEMPLATED = textwrap.dedent("""
    apiVersion: v1
    kind: Service
    metadata:
      name: shop
      namespace: prod
      labels: {tier: front}
    spec: {type: LoadBalancer}
    status: {loadBalancer: {ingress: [{ip: 203.0.113.7}]}}
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: named
      namespace: prod
      annotations: {external-dns.kubernetes.io/hostname: own.example.com}
    spec: {type: LoadBalancer}
    status: {loadBalancer: {ingress: [{ip: 203.0.113.8}]}}
    """)


def a_records(changes: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """The A records a plan creates or updates (what they become)."""
    return sorted((c["name"], c["targets"]) for c in changes if c["type"] == "A" and c["action"] != "delete")


def test_fqdn_template_names_objects_without_names(env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    objects = write(tmp_path, TEMPLATED)
    template = "{{ .Name }}.{{ .Namespace }}.example.com"
    assert a_records(planned("--from-file", objects, "--fqdn-template", template)) == [
        ("own.example.com", ["203.0.113.8"]), ("shop.prod.example.com", ["203.0.113.7"])]
    combined = a_records(planned("--from-file", objects, "--fqdn-template", template,
                                 "--fqdn-template", "{{ if hasKey .Labels \"tier\" }}{{ .Labels.tier }}.example.com{{ end }}",
                                 "--combine-fqdn-annotation"))
    assert combined == [("front.example.com", ["203.0.113.7"]), ("named.prod.example.com", ["203.0.113.8"]),
                        ("own.example.com", ["203.0.113.8"]), ("shop.prod.example.com", ["203.0.113.7"])]
    # From the environment the value is one template, spaces and all.
    monkeypatch.setenv("ZONEKEEPER_FQDN_TEMPLATE", template)
    monkeypatch.setenv("ZONEKEEPER_IGNORE_HOSTNAME_ANNOTATION", "true")
    assert a_records(planned("--from-file", objects)) == [
        ("named.prod.example.com", ["203.0.113.8"]), ("shop.prod.example.com", ["203.0.113.7"])]


def test_an_unsupported_template_exits_64_naming_it(env: str, tmp_path: Path) -> None:
    code, out = invoke("plan", "--from-file", write(tmp_path, TEMPLATED), "--fqdn-template", '{{ template "x" }}')
    assert code == 64
    assert "--fqdn-template[0] '{{ template \"x\" }}': {{template}} is not supported" in out


TARGETS = textwrap.dedent("""
    apiVersion: externaldns.k8s.io/v1alpha1
    kind: DNSEndpoint
    metadata: {name: records, namespace: default}
    spec:
      endpoints:
        - {dnsName: bare.example.com, recordType: A}
        - {dnsName: mixed.example.com, recordType: A, targets: [10.0.0.1, 192.0.2.7], recordTTL: 30}
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: web
      namespace: default
      annotations: {external-dns.kubernetes.io/hostname: web.example.com}
    spec: {type: LoadBalancer}
    status: {loadBalancer: {ingress: [{ip: 10.0.0.9}]}}
    """)


def test_default_targets_target_nets_and_min_ttl_reach_route53(env: str, tmp_path: Path,
                                                               route53: StrictRoute53Server) -> None:
    objects = write(tmp_path, TARGETS)
    sources = ["--source", "crd", "--source", "service"]
    code, out = invoke("run", "--once", "--from-file", objects, *sources, "--default-targets", "192.0.2.50",
                       "--exclude-target-net", "10.0.0.0/8", "--min-ttl", "2m")
    assert code == 0, out
    # bare: the default target; mixed: its 10/8 target dropped, its own TTL kept; web: nothing left.
    assert addresses(route53, env) == {"bare.example.com": ("192.0.2.50", 120), "mixed.example.com": ("192.0.2.7", 30)}
    forced = planned("--from-file", objects, *sources, "--default-targets", "192.0.2.50", "--force-default-targets")
    assert a_records(forced) == [("bare.example.com", ["192.0.2.50"]), ("mixed.example.com", ["192.0.2.50"]),
                                 ("web.example.com", ["192.0.2.50"])]
    only_ten = planned("--from-file", objects, *sources, "--target-net-filter", "10.0.0.0/8")
    assert a_records(only_ten) == [("mixed.example.com", ["10.0.0.1"]), ("web.example.com", ["10.0.0.9"])]


def test_a_bad_network_exits_64(env: str, tmp_path: Path) -> None:
    code, out = invoke("plan", "--from-file", write(tmp_path, TARGETS), "--target-net-filter", "10.0.0.0")
    assert code == 64
    assert "--target-net-filter '10.0.0.0': want a network in CIDR notation" in out


NOALIAS = textwrap.dedent("""
    apiVersion: v1
    kind: Service
    metadata:
      name: noalias
      namespace: default
      annotations: {external-dns.kubernetes.io/hostname: noalias.example.com, external-dns.kubernetes.io/alias: "false"}
    spec: {type: LoadBalancer}
    status:
      loadBalancer:
        ingress: [{hostname: k8s-default-noalias-0123456789-abcdef0123456789.elb.us-east-1.amazonaws.com}]
    """)


def test_alias_annotation_external_dns_mode_writes_what_external_dns_writes(env: str, tmp_path: Path,
                                                                            route53: StrictRoute53Server) -> None:
    objects = write(tmp_path, NOALIAS)
    ours = {(c["name"], c["type"]) for c in planned("--from-file", objects)}
    assert ("noalias.example.com", "CNAME") in ours
    code, out = invoke("run", "--once", "--from-file", objects, "--alias-annotation", "external-dns")
    assert code == 0, out
    written = {(r["Name"].rstrip("."), r["Type"]): "AliasTarget" in r for r in route53.records(env)}
    assert written[("noalias.example.com", "A")] and written[("noalias.example.com", "AAAA")]
    assert ("noalias.example.com", "CNAME") not in written
    # Churn-free: the next pass in that mode changes nothing.
    assert planned("--from-file", objects, "--alias-annotation", "external-dns") == []
