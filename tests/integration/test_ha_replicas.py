"""Two `zonekeeper run` processes with leader election on the real kube-apiserver, writing to the strict
Route 53 endpoint. Each replica signs with its own AWS access key id, so the endpoint can tell who
sent every ChangeResourceRecordSets (`StrictRoute53Server.change_batches[i]["AccessKeyId"]`).

A replica is paused with SIGSTOP for longer than the lease (8 s against 3 s): to the other replica it
is a leader that stopped renewing, to itself nothing happened until SIGCONT. That is what a long GC
pause, a CPU-starved container or a frozen VM does.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.kube import KubeCluster
from tests.support.route53 import StrictRoute53Server

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parent.parent.parent
MANIFEST = ROOT / "deploy" / "manifests" / "zonekeeper-all-sources.yaml"
RBAC_KINDS = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
HOSTNAME = "external-dns.alpha.kubernetes.io/hostname"
LEASE = 3.0
PAUSE = 8.0
KEYS = {"one": "AKIDREPLICAONE000001", "two": "AKIDREPLICATWO000002"}


@pytest.fixture(scope="session")
def controller_kubeconfig(kube_cluster: KubeCluster) -> Path:
    """A kubeconfig for the zonekeeper ServiceAccount with exactly the shipped RBAC."""
    kube_cluster.ensure_namespace("zonekeeper")
    kube_cluster.apply([d for d in yaml.safe_load_all(MANIFEST.read_text()) if d and d["kind"] in RBAC_KINDS])
    return kube_cluster.kubeconfig_for_serviceaccount("zonekeeper", "zonekeeper", create=False)


@pytest.fixture
def zone(route53: StrictRoute53Server) -> str:
    return route53.create_zone("example.com")


class Replicas:
    """The `zonekeeper run` processes of one test; SIGCONT and terminate them whatever happens."""

    def __init__(self, kubeconfig: Path, route53: StrictRoute53Server, namespace: str, log_dir: Path) -> None:
        self.kubeconfig, self.route53, self.namespace, self.log_dir = kubeconfig, route53, namespace, log_dir
        self.lease = f"zk-{namespace}"[:60]
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.admin: Any = None  # the cluster's admin API client, to read the Lease

    def start(self, name: str, *extra: str) -> None:
        env = {**os.environ, "POD_NAME": name, "AWS_ENDPOINT_URL_ROUTE_53": self.route53.endpoint,
               "AWS_ACCESS_KEY_ID": KEYS[name], "AWS_SECRET_ACCESS_KEY": "testing",
               "PYTHONPATH": str(ROOT / "src")}
        env.pop("AWS_PROFILE", None)
        args = [sys.executable, "-m", "zonekeeper.cli", "run", "--kubeconfig", str(self.kubeconfig),
                "--namespace", self.namespace, "--source", "service", "--txt-owner-id", "ha", "--leader-elect",
                "--leader-elect-namespace", "zonekeeper", "--leader-elect-lease-name", self.lease,
                "--leader-elect-lease-duration", "3s", "--leader-elect-renew-deadline", "2s",
                "--leader-elect-retry-period", "500ms", "--min-event-sync-interval", "50ms",
                "--kube-api-qps", "50", "--metrics-address", "127.0.0.1:0", *extra]
        log = (self.log_dir / f"{name}.log").open("w")
        self.procs[name] = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def holder(self) -> str:
        from kubernetes import client

        try:
            obj = client.CoordinationV1Api(self.admin).read_namespaced_lease(self.lease, "zonekeeper")
        except Exception:
            return ""
        return str(obj.spec.holder_identity or "").split("_", 1)[0]

    def signal(self, name: str, sig: signal.Signals) -> float:
        self.procs[name].send_signal(sig)
        return time.monotonic()

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@pytest.fixture
def replicas(kube_cluster: KubeCluster, kube_namespace: str, controller_kubeconfig: Path,
             route53: StrictRoute53Server, tmp_path: Path) -> Iterator[Replicas]:
    r = Replicas(controller_kubeconfig, route53, kube_namespace, tmp_path)
    r.admin = kube_cluster.admin
    try:
        yield r
    finally:
        r.stop()
        for name in r.procs:
            print(f"\n----- {name} (last lines) -----\n" + "\n".join(r.log(name).splitlines()[-15:]))


def service(name: str, ns: str, ip: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "annotations": {HOSTNAME: f"{name}.example.com"}},
            "spec": {"type": "LoadBalancer", "selector": {"app": name}, "ports": [{"port": 80}]},
            "status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}


def a_records(route53: StrictRoute53Server, zone: str) -> dict[str, str]:
    return {r["Name"].rstrip("."): ",".join(v["Value"] for v in r.get("ResourceRecords") or [])
            for r in route53.records(zone) if r["Type"] == "A"}


async def within(check: Callable[[], Any], timeout: float) -> float | None:
    """Poll `check` (in a thread) every 50 ms; the seconds it took to hold, None if it did not."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if await asyncio.to_thread(check):
            return time.monotonic() - started
        await asyncio.sleep(0.05)
    return None


async def eventually(check: Callable[[], Any], timeout: float, what: str) -> float:
    took = await within(check, timeout)
    if took is None:
        raise AssertionError(f"{what}: not within {timeout:.0f}s (last: {await asyncio.to_thread(check)!r})")
    return took


def writes(route53: StrictRoute53Server, name: str, after: float, status: str | None = None) -> list[dict[str, Any]]:
    return [b for b in route53.change_batches if b["AccessKeyId"] == KEYS[name] and b["ReceivedAt"] > after
            and (status is None or b["Status"] == status)]


def _delete_service(kube: KubeCluster, ns: str, name: str) -> None:
    from kubernetes import client

    client.CoreV1Api(kube.admin).delete_namespaced_service(name, ns)


async def test_a_paused_leader_never_writes_after_it_resumes(
        kube_cluster: KubeCluster, kube_namespace: str, replicas: Replicas, route53: StrictRoute53Server,
        zone: str) -> None:
    ns = kube_namespace
    # A slow writer (1 request/s, two records and their TXT per request) spends its time waiting for a
    # rate-limit token between deciding to send a write and sending it: that is where the pause lands.
    slow = ("--aws-rate-limit", "1", "--aws-batch-change-size", "4")
    replicas.start("one", *slow)
    await eventually(lambda: replicas.holder() == "one", 30, "one leading")
    replicas.start("two", *slow)
    await eventually(lambda: "new leader" in replicas.log("two"), 60, "two following")

    await asyncio.to_thread(kube_cluster.apply, [service(f"s{i}", ns, f"10.6.0.{i + 1}") for i in range(40)])
    await eventually(lambda: len(writes(route53, "one", 0, "accepted")) >= 4, 60, "one writing")
    sent = len(writes(route53, "one", 0))
    await eventually(lambda: len(writes(route53, "one", 0)) > sent, 10, "one's next write")
    await asyncio.sleep(0.3)  # its next request is planned, checked and waiting for its token
    stopped = replicas.signal("one", signal.SIGSTOP)
    took = await eventually(lambda: replicas.holder() == "two", 30, "two taking over")
    await eventually(lambda: writes(route53, "two", stopped, "accepted"), 15, "two writing")
    await asyncio.sleep(max(0.0, stopped + PAUSE - time.monotonic()))
    resumed = replicas.signal("one", signal.SIGCONT)
    await eventually(lambda: len(a_records(route53, zone)) == 40, 90, "all 40 records")
    await asyncio.sleep(3.0)  # anything the deposed leader still had in flight would have gone out by now

    late = writes(route53, "one", resumed)
    for b in late:
        print(f"late write by one, {b['ReceivedAt'] - resumed:.3f}s after SIGCONT: {b['Status']} {b['Error']}")
    print(f"\ntakeover {took:.1f}s after SIGSTOP; writes by the deposed leader after SIGCONT: {len(late)}; "
          f"writes by one before the pause: {len(writes(route53, 'one', 0)) - len(late)}, "
          f"by two: {len(writes(route53, 'two', 0))}")
    assert late == [], f"the deposed leader wrote after it resumed: {[b['Changes'] for b in late]}"
    assert replicas.holder() == "two"
    assert [b for b in route53.change_batches if b["Status"] != "accepted"] == [], route53.errors


async def test_a_replica_that_regains_the_lease_plans_from_fresh_records(
        kube_cluster: KubeCluster, kube_namespace: str, replicas: Replicas, route53: StrictRoute53Server,
        zone: str) -> None:
    ns = kube_namespace
    ips = {f"s{i}": f"10.7.0.{i + 1}" for i in range(40)}
    await asyncio.to_thread(kube_cluster.apply, [service(n, ns, ip) for n, ip in ips.items()])
    replicas.start("one")
    await eventually(lambda: replicas.holder() == "one", 30, "one leading")
    await eventually(lambda: len(a_records(route53, zone)) == 40, 30, "one's records")
    replicas.start("two")
    await eventually(lambda: "new leader" in replicas.log("two"), 60, "two following")

    # one loses the lease; two leads and changes a lot while one's record cache goes stale.
    replicas.signal("one", signal.SIGSTOP)
    await eventually(lambda: replicas.holder() == "two", 30, "two taking over")
    for i in range(15):
        ips[f"s{i}"] = f"10.7.1.{i + 1}"
    for i in range(15, 25):
        await asyncio.to_thread(_delete_service, kube_cluster, ns, f"s{i}")
        del ips[f"s{i}"]
    ips.update({f"t{i}": f"10.7.2.{i + 1}" for i in range(10)})
    changed = [f"s{i}" for i in range(15)] + [f"t{i}" for i in range(10)]
    await asyncio.to_thread(kube_cluster.apply, [service(n, ns, ips[n]) for n in changed])
    want = {f"{n}.example.com": ip for n, ip in ips.items()}
    await eventually(lambda: a_records(route53, zone) == want, 60, "two's changes")
    # And behind everyone's back: s25's records deleted, s26's value changed (its TXT still says ours).
    harness = route53.harness
    doomed = [r for r in route53.records(zone) if r["Name"] in ("s25.example.com.", "a-s25.example.com.")]
    harness.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        {"Action": "DELETE", "ResourceRecordSet": r} for r in doomed]})
    harness.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "UPSERT",
        "ResourceRecordSet": {"Name": "s26.example.com.", "Type": "A", "TTL": 300,
                              "ResourceRecords": [{"Value": "198.51.100.26"}]}}]})
    await asyncio.sleep(PAUSE)
    resumed_one = replicas.signal("one", signal.SIGCONT)
    await asyncio.sleep(2.0)  # one catches up with the cluster as a follower

    # two is paused in turn: one regains the lease with a record cache from before all of that.
    replicas.signal("two", signal.SIGSTOP)
    await eventually(lambda: replicas.holder() == "one", 30, "one regaining the lease")
    regained = time.monotonic()
    converged = await within(lambda: a_records(route53, zone) == want, 90)
    await asyncio.sleep(1.0)
    rejected = writes(route53, "one", resumed_one, "rejected")
    mine = [b["Changes"] for b in writes(route53, "one", resumed_one)]
    repeated = sum(1 for i, c in enumerate(mine) if c in mine[:i])
    took = "never (90 s)" if converged is None else f"{converged:.1f}s"
    print(f"\nafter regaining the lease: {len(rejected)} rejected ChangeResourceRecordSets, {len(mine)} sent, "
          f"{repeated} identical to an earlier one; converged {took} after the takeover was seen")
    resumed_two = replicas.signal("two", signal.SIGCONT)
    assert rejected == [], [b["Error"] for b in rejected][:3]
    assert repeated == 0
    assert converged is not None and converged < 8.0, took
    # two, deposed while frozen, writes nothing when it wakes up.
    await asyncio.sleep(4.0)
    assert writes(route53, "two", resumed_two) == []
    assert replicas.holder() == "one" and time.monotonic() - regained > 4.0
