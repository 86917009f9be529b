"""Ship and observe: /metrics, /healthz and /readyz of a running controller, `zonekeeper records`, and
secrets that never reach a log line -- against the strict Route 53 endpoint and a real kube-apiserver."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.test_live_controller import (
    eventually,
    lb_service,
    records,
    settings_for,
    start,
    stop,
    value_of,
)
from tests.support.kube import KubeCluster
from tests.support.route53 import StrictRoute53Server
from zonekeeper.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent

SERVICES = textwrap.dedent("""
    apiVersion: v1
    kind: List
    items:
      - apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: default
          annotations:
            external-dns.alpha.kubernetes.io/hostname: web.example.com
            external-dns.kubernetes.io/ttl: "120"
        spec: {type: LoadBalancer}
        status: {loadBalancer: {ingress: [{ip: 203.0.113.10}]}}
      - apiVersion: v1
        kind: Service
        metadata:
          name: api
          namespace: prod
          annotations:
            external-dns.kubernetes.io/hostname: api.example.com
        spec: {type: LoadBalancer}
        status:
          loadBalancer:
            ingress: [{hostname: k8s-prod-api-0123456789-abcdef0123456789.elb.eu-west-1.amazonaws.com}]
    """)


def service_manifest(name: str, hostname: str, ip: str) -> str:
    return textwrap.dedent(f"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: default
          annotations: {{external-dns.alpha.kubernetes.io/hostname: {hostname}}}
        spec: {{type: LoadBalancer}}
        status: {{loadBalancer: {{ingress: [{{ip: {ip}}}]}}}}
        """)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
    except OSError as err:  # not listening (yet)
        return 0, str(err)


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(base: str) -> Samples:
    status, text = http_get(base + "/metrics")
    assert status == 200, text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def total(samples: Samples, name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def has(samples: Samples, name: str, **labels: str) -> bool:
    want = set(labels.items())
    return any(n == name and want <= ls for (n, ls) in samples)


async def aget(url: str) -> tuple[int, str]:
    """`http_get` off the event loop: the controller serves on the test's loop."""
    return await asyncio.to_thread(http_get, url)


async def ascrape(base: str) -> Samples:
    return await asyncio.to_thread(scrape, base)


def scraped_when(base: str, name: str, expected: float, **labels: str) -> Any:
    """For `eventually`: the samples once `name` (summed over `labels`) reaches `expected`."""
    def check() -> Samples | None:
        samples = scrape(base)
        return samples if total(samples, name, **labels) >= expected else None

    return check


def _after_failed_listing(samples: Samples) -> Samples | None:
    listed = total(samples, "zonekeeper_route53_api_calls_total", operation="ListHostedZones", outcome="error")
    return samples if listed >= 1 and total(samples, "zonekeeper_last_pass_timestamp_seconds") > 0 else None


@pytest.fixture
def aws(route53: StrictRoute53Server, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {"AWS_ENDPOINT_URL_ROUTE_53": route53.endpoint, "AWS_ACCESS_KEY_ID": "AKIATESTONLY",
              "AWS_SECRET_ACCESS_KEY": f"zk-secret-{uuid.uuid4().hex}", "AWS_DEFAULT_REGION": "us-east-1"}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return values


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


# -- zonekeeper records -------------------------------------------------------------------------------------


@pytest.fixture
def populated(aws: dict[str, str], route53: StrictRoute53Server, tmp_path: Path) -> dict[str, Any]:
    """example.com with records of three owners (c1, other, sealed with an AES key), one record nobody owns,
    a record claimed by two owners at once, and a foreign TXT where an ownership TXT would go."""
    zone = route53.create_zone("example.com")
    mine, theirs, sealed = tmp_path / "mine.yaml", tmp_path / "theirs.yaml", tmp_path / "sealed.yaml"
    mine.write_text(SERVICES)
    theirs.write_text(service_manifest("other", "other.example.com", "198.51.100.7"))
    sealed.write_text(service_manifest("vault", "vault.example.com", "198.51.100.9"))
    key = base64.b64encode(os.urandom(32)).decode()
    for args in (["--from-file", str(mine), "--txt-owner-id", "c1"],
                 ["--from-file", str(theirs), "--txt-owner-id", "other"],
                 ["--from-file", str(sealed), "--txt-owner-id", "sealed", "--txt-encrypt-enabled",
                  "--txt-encrypt-aes-key", key]):
        code, out = invoke("run", "--once", *args)
        assert code == 0, out
    route53.harness.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "legacy.example.com.", "Type": "A", "TTL": 60,
                                                   "ResourceRecords": [{"Value": "192.0.2.50"}]}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "dup.example.com.", "Type": "A", "TTL": 60,
                                                   "ResourceRecords": [{"Value": "192.0.2.51"}]}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "a-dup.example.com.", "Type": "TXT", "TTL": 300,
                                                   "ResourceRecords": [
            {"Value": '"heritage=external-dns,external-dns/owner=c1"'},
            {"Value": '"heritage=external-dns,external-dns/owner=other"'}]}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "a-spf.example.com.", "Type": "TXT", "TTL": 300,
                                                   "ResourceRecords": [{"Value": '"v=spf1 -all"'}]}},
    ]})
    return {"zone": zone, "key": key}


def listed(*args: str) -> dict[str, Any]:
    code, out = invoke("records", "--output", "json", *args)
    assert code == 0, out
    doc: dict[str, Any] = json.loads(out)
    return doc


def test_records_lists_what_this_owner_owns(populated: dict[str, Any]) -> None:
    doc = listed("--txt-owner-id", "c1")
    assert doc["ownerId"] == "c1"
    rows = {(r["name"], r["type"]): r for r in doc["records"]}
    assert set(rows) == {("web.example.com", "A"), ("api.example.com", "A"), ("api.example.com", "AAAA")}
    web = rows[("web.example.com", "A")]
    assert {k: web[k] for k in ("zone", "zoneId", "name", "type", "setIdentifier", "targets", "ttl", "owner",
                                "resource", "blocked")} == {
        "zone": "example.com", "zoneId": populated["zone"], "name": "web.example.com", "type": "A",
        "setIdentifier": "", "targets": ["203.0.113.10"], "ttl": 120, "owner": "c1",
        "resource": "service/default/web", "blocked": None}
    api = rows[("api.example.com", "A")]
    assert api["resource"] == "service/prod/api" and api["providerSpecific"]["alias"] == "true"
    # Names zonekeeper will not touch are always listed, with the reason.
    blocked = {(b["name"], b["type"]): b["reason"] for b in doc["blocked"]}
    assert "the TXT records claiming this record disagree (owners: c1, other)" in blocked[("dup.example.com", "A")]
    assert "is not a zonekeeper/external-dns ownership record" in blocked[("spf.example.com", "A")]
    assert doc["errors"] == []


def test_records_all_owners_and_unowned(populated: dict[str, Any]) -> None:
    everyone = {(r["name"], r["type"]): r["owner"] for r in listed("--txt-owner-id", "c1", "--all-owners")["records"]}
    assert everyone[("other.example.com", "A")] == "other"
    assert ("legacy.example.com", "A") not in everyone
    unowned = {(r["name"], r["type"]): r for r in listed("--txt-owner-id", "c1", "--unowned")["records"]}
    assert ("other.example.com", "A") not in unowned
    assert unowned[("legacy.example.com", "A")]["owner"] == "" and unowned[("legacy.example.com", "A")]["blocked"] is None
    assert "the TXT records claiming this record disagree" in unowned[("dup.example.com", "A")]["blocked"]
    # Without the AES key the sealed owner's TXT is just foreign text: its record looks unowned and blocked.
    assert "not a zonekeeper/external-dns ownership record" in unowned[("vault.example.com", "A")]["blocked"]
    both = listed("--txt-owner-id", "c1", "--all-owners", "--unowned")["records"]
    assert len(both) == len(everyone) + len(unowned) - 3  # c1's three records are in both lists


def test_records_reads_encrypted_ownership_with_the_key(populated: dict[str, Any]) -> None:
    assert listed("--txt-owner-id", "sealed")["records"] == []
    doc = listed("--txt-owner-id", "sealed", "--txt-encrypt-aes-key", populated["key"])
    assert [(r["name"], r["owner"], r["resource"]) for r in doc["records"]] == [
        ("vault.example.com", "sealed", "service/default/vault")]
    assert "txt-encryption-nonce" not in doc["records"][0]["labels"]


def test_records_filters_and_text_table(populated: dict[str, Any]) -> None:
    doc = listed("--txt-owner-id", "c1", "--exclude-domains", "api.example.com", "--managed-record-types", "A")
    assert [(r["name"], r["type"]) for r in doc["records"]] == [("web.example.com", "A")]
    code, out = invoke("records", "--txt-owner-id", "c1")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split() == ["ZONE", "NAME", "TYPE", "SET-ID", "TTL", "TARGETS", "OWNER", "RESOURCE"]
    web = next(line for line in lines if "web.example.com" in line).split()
    assert web == ["example.com", "web.example.com", "A", "-", "120", "203.0.113.10", "c1", "service/default/web"]
    assert any("alias k8s-prod-api" in line for line in lines)
    assert any(line.startswith("  ! dup.example.com A in example.com: the TXT records claiming this record disagree") for line in lines)
    assert lines[-1] == "3 record(s)."
    code, out = invoke("records", "--txt-owner-id", "nobody-here")
    assert code == 0 and "No records owned by 'nobody-here' in the managed zones." in out


def test_records_exits_1_when_route53_fails(aws: dict[str, str], route53: StrictRoute53Server) -> None:
    route53.create_zone("example.com")
    route53.inject_error("ListHostedZones", "AccessDenied", "not authorized to perform route53:ListHostedZones",
                         status=403)
    code, out = invoke("records", "--output", "json")
    assert code == 1
    assert "AccessDenied" in json.loads(out)["errors"][0]["error"]


# -- secrets never reach the logs ---------------------------------------------------------------------------


def _cli(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "zonekeeper.cli", *args], env=full_env, capture_output=True,
                          text=True, timeout=timeout, check=False)


@pytest.mark.parametrize("via", ["flag", "environment"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_aes_key_and_aws_secret_never_logged(aws: dict[str, str], route53: StrictRoute53Server, tmp_path: Path,
                                             via: str, fmt: str) -> None:
    zone = route53.create_zone("example.com")
    manifests = tmp_path / "objects.yaml"
    manifests.write_text(SERVICES)
    key = base64.b64encode(os.urandom(32)).decode()
    env = dict(aws)
    args = ["run", "--once", "--from-file", str(manifests), "--txt-owner-id", "c1", "--txt-encrypt-enabled",
            "--log-level", "debug", "--log-format", fmt]
    if via == "flag":
        args += ["--txt-encrypt-aes-key", key]
    else:
        env["ZONEKEEPER_TXT_ENCRYPT_AES_KEY"] = key
    proc = _cli(args, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    # The run really logged at debug level (our own debug lines; library loggers stay capped at warning,
    # their debug output carries credentials) and applied changes...
    assert "changed" in output and "configuration" in output and "botocore" not in output
    txts = [value_of(r) for r in route53.records(zone) if r["Type"] == "TXT"]
    assert txts and not any("heritage" in t for t in txts)  # sealed with the key
    # ...and neither secret appears anywhere.
    assert key not in output
    assert aws["AWS_SECRET_ACCESS_KEY"] not in output
    if fmt == "json":
        lines = [json.loads(line) for line in proc.stderr.splitlines()]  # one JSON object per line
        changed = [line for line in lines if line["msg"] == "changed"]
        assert len(changed) == 3
        assert all({"zone", "name", "type", "owner", "resource"} <= line.keys() for line in changed)
        assert {(c["name"], c["type"], c["owner"], c["resource"]) for c in changed} == {
            ("web.example.com", "A", "c1", "service/default/web"), ("api.example.com", "A", "c1", "service/prod/api"),
            ("api.example.com", "AAAA", "c1", "service/prod/api")}


def test_from_file_loop_serves_metrics_and_probes(aws: dict[str, str], route53: StrictRoute53Server,
                                                  tmp_path: Path) -> None:
    route53.create_zone("example.com")
    manifests = tmp_path / "objects.yaml"
    manifests.write_text(SERVICES)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    full_env = {**os.environ, **aws, "PYTHONPATH": str(ROOT / "src")}
    log = (tmp_path / "run.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "zonekeeper.cli", "run", "--from-file", str(manifests),
                             "--txt-owner-id", "c1", "--interval", "1s", "--metrics-address", f"127.0.0.1:{port}"],
                            env=full_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while http_get(base + "/readyz")[0] != 200:
            assert proc.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, http_get(base + "/readyz")
            time.sleep(0.1)
        assert http_get(base + "/healthz") == (200, "ok\n")
        samples = scrape(base)
        assert total(samples, "zonekeeper_changes_applied_total", zone="example.com", action="create") == 3
        assert total(samples, "zonekeeper_owned_records", zone="example.com") == 3
        assert total(samples, "zonekeeper_route53_api_calls_total", operation="ChangeResourceRecordSets",
                     outcome="ok") == 1
        assert total(samples, "zonekeeper_leader") == 1
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()


# -- the live controller --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sa_kubeconfig(kube_cluster: KubeCluster) -> Path:
    """A kubeconfig for the zonekeeper ServiceAccount with exactly the shipped RBAC."""
    manifests = ROOT / "deploy" / "manifests"
    bundle = manifests / "zonekeeper-all-sources.yaml"
    source = bundle if bundle.exists() else manifests / "rbac.yaml"
    kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
    kube_cluster.ensure_namespace("zonekeeper")
    kube_cluster.apply([d for d in yaml.safe_load_all(source.read_text()) if d and d["kind"] in kinds])
    return kube_cluster.kubeconfig_for_serviceaccount("zonekeeper", "zonekeeper", create=False)


@pytest.fixture
def zone(route53: StrictRoute53Server) -> str:
    return route53.create_zone("example.com")


@pytest.mark.kube
@pytest.mark.timeout(180)
async def test_live_metrics_healthz_and_readyz(kube_cluster: KubeCluster, kube_namespace: str,
                                               sa_kubeconfig: Path, route53: StrictRoute53Server,
                                               aws: dict[str, str], zone: str) -> None:
    ns = kube_namespace
    await asyncio.to_thread(kube_cluster.apply, lb_service("web", ns, "web.example.com", ip="10.7.0.1"))
    # The first pass cannot list the hosted zones; the next one (an --interval later) can. Two refusals:
    # the leader's read-ahead of the zones, while its informers still list, takes the first.
    route53.inject_error("ListHostedZones", "AccessDenied", "not authorized to perform route53:ListHostedZones",
                         status=403, times=2)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    task = await start(settings_for(sa_kubeconfig, route53, ns, sources=("service",), interval=3.0,
                                    metrics_address=f"127.0.0.1:{port}"))
    try:
        # The call is counted while the pass still runs, the pass once it is over: wait for both.
        failed = await eventually(lambda: _after_failed_listing(scrape(base)), what="a failed zone listing")
        # Alive, but not ready: nothing reached Route 53 yet.
        assert await aget(base + "/healthz") == (200, "ok\n")
        assert await aget(base + "/readyz") == (503, "no successful DNS sync yet\n")
        assert total(failed, "zonekeeper_last_sync_success_timestamp_seconds") == 0
        assert total(failed, "zonekeeper_last_pass_timestamp_seconds") > 0

        await eventually(lambda: http_get(base + "/readyz") == (200, "ok\n"), what="ready after the first sync")
        await eventually(lambda: ("web.example.com", "A", "") in records(route53, zone), what="record")
        samples = await eventually(scraped_when(base, "zonekeeper_changes_applied_total", 1, action="create"),
                                   what="changes counted")
        # Every request Route 53 saw is counted, by operation and outcome.
        for op in ("ListHostedZones", "ListResourceRecordSets", "ChangeResourceRecordSets"):
            assert total(samples, "zonekeeper_route53_api_calls_total", operation=op) == route53.counts[op], op
        assert total(samples, "zonekeeper_route53_api_calls_total", operation="ListHostedZones", outcome="ok") >= 1
        assert total(samples, "zonekeeper_route53_api_calls_total", operation="ChangeResourceRecordSets",
                     outcome="ok") == 1
        assert total(samples, "zonekeeper_changes_applied_total", zone="example.com", zone_id=zone, action="create",
                     record_type="A") == 1
        assert total(samples, "zonekeeper_owned_records", zone="example.com", zone_id=zone) == 1
        assert total(samples, "zonekeeper_leader") == 1
        assert total(samples, "zonekeeper_last_sync_success_timestamp_seconds") > time.time() - 60
        assert total(samples, "zonekeeper_reconcile_duration_seconds_count", mode="full") >= 2
        assert has(samples, "zonekeeper_watch_restarts_total", kind="services")
        assert has(samples, "zonekeeper_kube_events_dropped_total", reason="overflow")
        assert has(samples, "zonekeeper_build_info", version="0.1.0")
        # The Service's status said so (one write), and nothing is left to write.
        samples = await eventually(scraped_when(base, "zonekeeper_status_updates_total", 1, outcome="written"),
                                   what="status write counted")
        assert total(samples, "zonekeeper_status_updates_queued") == 0

        # A change to the Service: an incremental pass, its latency measured.
        await asyncio.to_thread(kube_cluster.apply, lb_service("web", ns, "web.example.com", ip="10.7.0.2"))
        await eventually(lambda: value_of(records(route53, zone).get(("web.example.com", "A", ""), {})) == "10.7.0.2",
                         what="record updated")
        samples = await eventually(scraped_when(base, "zonekeeper_changes_applied_total", 1, action="update"),
                                   what="update counted")
        assert total(samples, "zonekeeper_event_to_dns_latency_seconds_count") >= 1
        assert total(samples, "zonekeeper_event_to_dns_latency_seconds_sum") < 10
        assert total(samples, "zonekeeper_reconcile_duration_seconds_count", mode="incremental") >= 1
        assert total(samples, "zonekeeper_owned_records", zone="example.com") == 1
    finally:
        await stop(task)
    assert (await aget(base + "/healthz"))[0] == 0  # the server went away with the controller


@pytest.mark.kube
@pytest.mark.timeout(180)
async def test_leader_gauge_and_follower_readiness(kube_cluster: KubeCluster, kube_namespace: str,
                                                   sa_kubeconfig: Path, route53: StrictRoute53Server,
                                                   aws: dict[str, str], zone: str) -> None:
    ns = kube_namespace
    await asyncio.to_thread(kube_cluster.apply, lb_service("web", ns, "web.example.com", ip="10.6.0.1"))
    lease = f"zkm-{ns}"[:60]
    ports = {"a": free_port(), "b": free_port()}
    tasks = {}
    for name, port in ports.items():
        tasks[name] = await start(settings_for(
            sa_kubeconfig, route53, ns, sources=("service",), leader_elect=True,
            leader_elect_lease_name=lease, leader_elect_lease_duration=3.0, leader_elect_renew_deadline=2.0,
            leader_elect_retry_period=0.5, metrics_address=f"127.0.0.1:{port}"))
    bases = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        def leaders() -> dict[str, float] | None:
            gauges = {name: total(scrape(base), "zonekeeper_leader") for name, base in bases.items()}
            return gauges if sorted(gauges.values()) == [0.0, 1.0] else None

        gauges = await eventually(leaders, what="one leader, one follower")
        leader = next(n for n, v in gauges.items() if v == 1)
        follower = next(n for n in bases if n != leader)
        # Both are ready: the leader once it synced, the follower once its caches are.
        await eventually(lambda: http_get(bases[leader] + "/readyz") == (200, "ok\n"), what="leader ready")
        # Not at the same moment: the follower's caches can still be syncing when the leader is ready.

        def follower_ready() -> bool:
            status, body = http_get(bases[follower] + "/readyz")
            return status == 200 and "follower" in body

        await eventually(follower_ready, what="follower ready, saying it follows")
        assert total(await ascrape(bases[follower]), "zonekeeper_reconcile_duration_seconds_count") == 0  # never wrote
        # The follower saw the leader take the Lease.
        before = await eventually(lambda: total(scrape(bases[follower]), "zonekeeper_leader_transitions_total"),
                                  what="leader observed")

        # The leader shuts down (and releases the Lease): the follower takes over.
        await stop(tasks.pop(leader))
        await eventually(lambda: total(scrape(bases[follower]), "zonekeeper_leader") == 1, what="takeover")
        assert total(await ascrape(bases[follower]), "zonekeeper_leader_transitions_total") > before
        await eventually(lambda: http_get(bases[follower] + "/readyz") == (200, "ok\n"), what="new leader synced")
        await eventually(lambda: total(scrape(bases[follower]), "zonekeeper_owned_records", zone="example.com") == 1,
                         what="new leader sees its record")
    finally:
        for task in tasks.values():
            await stop(task)
    assert all(b["Status"] == "accepted" for b in route53.change_batches), route53.errors


@pytest.mark.kube
@pytest.mark.timeout(60)
async def test_metrics_address_in_use_fails_fast(kube_cluster: KubeCluster, kube_namespace: str, sa_kubeconfig: Path,
                                                 route53: StrictRoute53Server, aws: dict[str, str], zone: str,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    from zonekeeper import live
    from zonekeeper.wiring import build

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        address = f"127.0.0.1:{busy.getsockname()[1]}"
        settings = settings_for(sa_kubeconfig, route53, kube_namespace, sources=("service",), metrics_address=address)
        code = await asyncio.wait_for(live.serve(settings, build(settings)), timeout=30)
    assert code == 1
    assert f"--metrics-address={address}" in caplog.text
    assert route53.change_batches == []  # nothing was reconciled by a controller nobody can probe


@pytest.fixture
def kube_token(sa_kubeconfig: Path) -> Iterator[str]:
    config = yaml.safe_load(sa_kubeconfig.read_text())
    token = config["users"][0]["user"]["token"]
    assert len(token) > 100
    yield token


@pytest.mark.kube
@pytest.mark.timeout(120)
def test_live_run_once_at_debug_logs_no_secrets(kube_cluster: KubeCluster, kube_namespace: str,
                                                sa_kubeconfig: Path, kube_token: str, aws: dict[str, str],
                                                route53: StrictRoute53Server, zone: str) -> None:
    kube_cluster.apply(lb_service("web", kube_namespace, "web.example.com", ip="10.5.0.1"))
    key = base64.b64encode(os.urandom(32)).decode()
    proc = _cli(["run", "--once", "--kubeconfig", str(sa_kubeconfig), "--namespace", kube_namespace,
                 "--source", "service", "--txt-owner-id", "c1", "--txt-encrypt-enabled", "--txt-encrypt-aes-key", key,
                 "--log-level", "debug"], aws, timeout=90)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert ("web.example.com", "A", "") in records(route53, zone)
    assert "changed" in output
    for secret in (key, aws["AWS_SECRET_ACCESS_KEY"], kube_token):
        assert secret not in output


@pytest.mark.kube
@pytest.mark.timeout(120)
def test_live_run_settles_its_heap_once_after_the_first_pass(kube_cluster: KubeCluster, kube_namespace: str,
                                                             sa_kubeconfig: Path, aws: dict[str, str],
                                                             route53: StrictRoute53Server, zone: str,
                                                             tmp_path: Path) -> None:
    """`zonekeeper run`, its own process, exempts its long-lived heap from collection (zonekeeper.heap)."""
    kube_cluster.apply(lb_service("heap", kube_namespace, "heap.example.com", ip="10.5.0.2"))
    path = tmp_path / "run.log"
    with path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "zonekeeper.cli", "run", "--kubeconfig", str(sa_kubeconfig), "--namespace",
             kube_namespace, "--source", "service", "--txt-owner-id", "c1", "--interval", "1s",
             "--log-level", "debug", "--log-format", "json"],
            env={**os.environ, **aws, "PYTHONPATH": str(ROOT / "src")}, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while ("heap.example.com", "A", "") not in records(route53, zone) or "heap settled" not in path.read_text():
                assert proc.poll() is None, path.read_text()
                assert time.monotonic() < deadline, path.read_text()
                time.sleep(0.2)
            time.sleep(3)  # three more full passes (--interval 1s): none settles again
        finally:
            proc.terminate()
            proc.wait(15)
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
    settled = [line for line in lines if line.get("msg") == "heap settled"]
    assert len(settled) == 1 and settled[0]["objects_exempt"] > 10_000, settled
