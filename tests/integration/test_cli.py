"""`zonekeeper plan` / `run`: the flag, output and exit-code contract, against the strict endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support.route53 import StrictRoute53Server
from zonekeeper.cli import main

SERVICE = textwrap.dedent("""
    apiVersion: v1
    kind: Service
    metadata:
      name: web
      namespace: default
      annotations:
        external-dns.alpha.kubernetes.io/hostname: web.example.com
        external-dns.kubernetes.io/ttl: "120"
    spec:
      type: LoadBalancer
    status:
      loadBalancer:
        ingress:
          - ip: 203.0.113.10
    ---
    apiVersion: v1
    kind: List
    items:
      - apiVersion: v1
        kind: Service
        metadata:
          name: api
          namespace: prod
          annotations:
            external-dns.kubernetes.io/hostname: api.example.com
        spec:
          type: LoadBalancer
        status:
          loadBalancer:
            ingress:
              - hostname: k8s-prod-api-0123456789-abcdef0123456789.elb.eu-west-1.amazonaws.com
    """)


@pytest.fixture
def env(route53: StrictRoute53Server, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    route53.create_zone("example.com")
    values = {"AWS_ENDPOINT_URL_ROUTE_53": route53.endpoint, "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t",
              "AWS_DEFAULT_REGION": "us-east-1"}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return values


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    path = tmp_path / "objects.yaml"
    path.write_text(SERVICE)
    return path


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_plan_json_contract_and_detailed_exitcode(env: dict[str, str], manifests: Path) -> None:
    code, out = invoke("plan", "--from-file", str(manifests), "--output", "json", "--detailed-exitcode",
                       "--txt-owner-id", "c1")
    assert code == 2, out
    doc = json.loads(out)
    assert doc["summary"] == {"create": 3, "update": 0, "delete": 0}
    web = next(c for c in doc["changes"] if c["name"] == "web.example.com")
    assert {k: web[k] for k in ("action", "name", "type", "setIdentifier", "targets", "ttl", "zone")} == {
        "action": "create", "name": "web.example.com", "type": "A", "setIdentifier": "",
        "targets": ["203.0.113.10"], "ttl": 120, "zone": "example.com"}
    api = sorted(c["type"] for c in doc["changes"] if c["name"] == "api.example.com")
    assert api == ["A", "AAAA"]  # alias pair for the load balancer hostname


def test_run_once_then_plan_is_empty(env: dict[str, str], manifests: Path, route53: StrictRoute53Server) -> None:
    code, out = invoke("run", "--once", "--from-file", str(manifests), "--txt-owner-id", "c1")
    assert code == 0, out
    assert len(route53.accepted_change_batches) == 1
    code, out = invoke("plan", "--from-file", str(manifests), "--detailed-exitcode", "--txt-owner-id", "c1")
    assert code == 0, out
    assert "No changes" in out


def test_dry_run_changes_nothing(env: dict[str, str], manifests: Path, route53: StrictRoute53Server) -> None:
    code, _ = invoke("run", "--once", "--dry-run", "--from-file", str(manifests))
    assert code == 0
    assert route53.change_batches == []


def test_flags_from_environment(env: dict[str, str], manifests: Path) -> None:
    code, out = invoke("plan", "--output", "json", env={"ZONEKEEPER_FROM_FILE": str(manifests),
                                                       "ZONEKEEPER_DOMAIN_FILTER": "api.example.com",
                                                       "ZONEKEEPER_TXT_OWNER_ID": "env-owner"})
    assert code == 0, out
    # As in external-dns, the zone example.com does not match the filter api.example.com by itself...
    assert [p["reason"] for p in json.loads(out)["problems"]] == ["NoMatchingZone"]
    # ... unless parent zones are allowed.
    code, out = invoke("plan", "--output", "json", env={"ZONEKEEPER_FROM_FILE": str(manifests),
                                                       "ZONEKEEPER_DOMAIN_FILTER": "api.example.com",
                                                       "ZONEKEEPER_AWS_ZONE_MATCH_PARENT": "true",
                                                       "ZONEKEEPER_TXT_OWNER_ID": "env-owner"})
    doc = json.loads(out)
    assert {c["name"] for c in doc["changes"]} == {"api.example.com"}
    assert {c["owner"] for c in doc["changes"]} == {"env-owner"}


@pytest.mark.parametrize(("args", "message"), [
    (["--source", "bogus"], "--source 'bogus' is not supported"),
    (["--policy", "delete-all"], "delete-all"),
    (["--txt-prefix", "a", "--txt-suffix", "b"], "mutually exclusive"),
    (["--aws-batch-change-size", "5000"], "between 1 and 1000"),
    (["--txt-encrypt-enabled"], "needs --txt-encrypt-aes-key"),
    (["--txt-encrypt-enabled", "--txt-encrypt-aes-key", "short"], "32"),
    (["--interval", "soon"], "invalid duration"),
])
def test_bad_flags_exit_64_with_a_clear_message(env: dict[str, str], manifests: Path, args: list[str],
                                               message: str) -> None:
    code, out = invoke("run", "--once", "--from-file", str(manifests), *args)
    assert code == 64
    assert message in out


def test_missing_file_is_a_config_error(env: dict[str, str], tmp_path: Path) -> None:
    code, out = invoke("plan", "--from-file", str(tmp_path / "nope.yaml"))
    assert code == 64 and "no such file" in out


def test_refused_change_exits_1(env: dict[str, str], tmp_path: Path, route53: StrictRoute53Server) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent("""
        apiVersion: externaldns.k8s.io/v1alpha1
        kind: DNSEndpoint
        metadata: {name: hc, namespace: default}
        spec:
          endpoints:
            - dnsName: fo.example.com
              recordType: A
              targets: [192.0.2.1]
              setIdentifier: primary
              providerSpecific:
                - {name: aws/failover, value: PRIMARY}
                - {name: aws/health-check-id, value: 00000000-0000-0000-0000-000000000000}
            - dnsName: ok.example.com
              recordType: A
              targets: [192.0.2.2]
        """))
    code, output = invoke("run", "--once", "--source", "crd", "--from-file", str(path))
    assert code == 1, output
    records = [r["Name"] for b in route53.accepted_change_batches for c in b["Changes"]
               for r in [c["ResourceRecordSet"]]]
    assert "ok.example.com." in records and "fo.example.com." not in records


def test_annotation_filter_selects_source_objects(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(textwrap.dedent("""
        apiVersion: v1
        kind: Service
        metadata:
          name: mine
          namespace: default
          annotations: {external-dns.kubernetes.io/hostname: mine.example.com, team: web}
        spec: {type: LoadBalancer}
        status: {loadBalancer: {ingress: [{ip: 203.0.113.1}]}}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: theirs
          namespace: default
          annotations: {external-dns.kubernetes.io/hostname: theirs.example.com, team: db}
        spec: {type: LoadBalancer}
        status: {loadBalancer: {ingress: [{ip: 203.0.113.2}]}}
        """))
    code, out = invoke("plan", "--from-file", str(path), "--output", "json", "--annotation-filter", "team=web")
    assert code == 0, out
    assert [c["name"] for c in json.loads(out)["changes"]] == ["mine.example.com"]
    code, out = invoke("plan", "--from-file", str(path), "--output", "json")
    assert sorted(c["name"] for c in json.loads(out)["changes"]) == ["mine.example.com", "theirs.example.com"]


LOCALHOST_LB = textwrap.dedent("""
    apiVersion: v1
    kind: Service
    metadata:
      name: web
      namespace: default
      annotations:
        external-dns.alpha.kubernetes.io/hostname: web.example.com
    spec:
      type: LoadBalancer
    status:
      loadBalancer:
        ingress:
          - hostname: localhost
          - hostname: nothing-here.invalid
    """)


def test_resolve_service_load_balancer_hostname_plans_a_records_of_the_resolved_addresses(
        env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "lb.yaml"
    path.write_text(LOCALHOST_LB)
    args = ("plan", "--from-file", str(path), "--output", "json", "--txt-owner-id", "c1")
    code, out = invoke(*args)
    assert code == 0, out
    plain = {(c["name"], c["type"]) for c in json.loads(out)["changes"]}
    assert ("web.example.com", "CNAME") in plain  # without the flag: the hostnames themselves
    code, out = invoke(*args, "--resolve-service-load-balancer-hostname")
    assert code == 0, out
    changes = [c for c in json.loads(out[out.index("{"):])["changes"] if c["name"] == "web.example.com"]
    assert {c["type"] for c in changes} <= {"A", "AAAA"}, changes
    a_record = next(c for c in changes if c["type"] == "A")
    assert a_record["targets"] == ["127.0.0.1"]


def test_plan_never_loads_dnspython_which_only_a_long_running_drift_check_needs(
        env: dict[str, str], manifests: Path) -> None:
    # A one-shot command lists each zone once: nothing it holds expires, so nothing asks the name
    # servers, and importing dnspython would only add a tenth of a second to every `plan`.
    script = textwrap.dedent("""
        import sys
        from zonekeeper.cli import main
        try:
            main(sys.argv[1:])
        except SystemExit as done:
            print("exit", done.code, "dnspython", "dns.resolver" in sys.modules, file=sys.stderr)
        """)
    done = subprocess.run([sys.executable, "-c", script, "plan", "--from-file", str(manifests), "--txt-owner-id", "c1",
                           "--detailed-exitcode"], capture_output=True, text=True, env={**os.environ, **env},
                          check=False)
    assert "exit 2 dnspython False" in done.stderr, done.stderr


@pytest.mark.parametrize(("once", "checks"), [(False, True), (True, False)])
def test_only_a_long_running_run_checks_drift_through_dns(env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                                                          once: bool, checks: bool) -> None:
    from zonekeeper import live
    from zonekeeper.providers.route53.dnsprobe import DnsDriftCheck

    wired: list[Any] = []

    async def serve(_settings: Any, wiring: Any, **_kwargs: Any) -> int:
        wired.append(wiring)
        return 0

    monkeypatch.setattr(live, "serve", serve)
    code, out = invoke("run", "--txt-owner-id", "c1", *(["--once"] if once else []))
    assert code == 0, out
    assert isinstance(wired[0].provider.drift, DnsDriftCheck) is checks
