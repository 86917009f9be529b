"""Leader election against a real kube-apiserver + etcd: real Leases, real resourceVersion conflicts,
real RBAC, real latency, and an API server that goes away and comes back.

Short timings (lease 3 s, renew deadline 2 s, retry 0.5 s) keep the module at a few seconds per test.
Every elector gets its own KubeClient connection, as separate replicas would. Leading intervals are
recorded on the monotonic clock from the callbacks, and a monitor samples `is_leader` of every
replica every 20 ms: neither may ever show two leaders at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

import pytest

from tests.support.kube import KubeCluster
from tests.support.kube_fixtures import kube_cluster, kube_namespace  # noqa: F401
from zonekeeper.kube.client import KubeClient, KubeError, Resource
from zonekeeper.kube.leader import LeaderElectionError, LeaderElectionForbidden, LeaderElector
from zonekeeper.kube.resources import LEASES

pytestmark = [pytest.mark.integration, pytest.mark.kube]

LEASE, RENEW, RETRY = 3.0, 2.0, 0.5
# Upper bound of one campaign poll: retry_period * (1 + jitter 1.2), plus a request or two.
POLL = RETRY * 2.2 + 0.3


class PartitionableClient:
    """A real client whose requests can be made to fail as if the network to the API server were cut."""

    def __init__(self, inner: KubeClient) -> None:
        self.inner = inner
        self.partitioned = False

    def _check(self) -> None:
        if self.partitioned:
            raise KubeError(0, "Unreachable", "network partition (test)")

    async def get(self, resource: Resource, namespace: str | None, name: str) -> dict[str, Any] | None:
        self._check()
        return await self.inner.get(resource, namespace, name)

    async def create(self, resource: Resource, namespace: str | None, body: dict[str, Any]) -> dict[str, Any]:
        self._check()
        return await self.inner.create(resource, namespace, body)

    async def replace(self, resource: Resource, namespace: str | None, name: str,
                      body: dict[str, Any]) -> dict[str, Any]:
        self._check()
        return await self.inner.replace(resource, namespace, name, body)


class Replica:
    """One candidate: an elector on its own connection, its leading intervals and its task."""

    def __init__(self, client: Any, namespace: str, identity: str, **kwargs: Any) -> None:
        self.client = client
        self.identity = identity
        self.intervals: list[list[float]] = []
        timings = {"lease_duration": LEASE, "renew_deadline": RENEW, "retry_period": RETRY, **kwargs}
        self.elector = LeaderElector(
            client, namespace=namespace, identity=identity, on_started_leading=self._started,
            on_stopped_leading=self._stopped, **timings)
        self.task: asyncio.Task[None] | None = None

    def _started(self) -> None:
        self.intervals.append([time.monotonic(), float("inf")])

    def _stopped(self) -> None:
        self.intervals[-1][1] = time.monotonic()

    @property
    def leading(self) -> bool:
        return bool(self.intervals) and self.intervals[-1][1] == float("inf")

    def start(self) -> Replica:
        self.task = asyncio.create_task(self.elector.run(), name=f"elector-{self.identity}")
        return self

    async def kill(self) -> None:
        """Cancel the elector without releasing the Lease: to the others this is a crashed replica."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


class Cluster:
    """The replicas of one test plus the is_leader monitor."""

    def __init__(self, kube: KubeCluster, namespace: str) -> None:
        self.kube = kube
        self.namespace = namespace
        self.replicas: list[Replica] = []
        self.clients: list[KubeClient] = []
        self.max_leaders_seen = 0
        self._monitor: asyncio.Task[None] | None = None

    async def replica(self, identity: str, *, partitionable: bool = False, kubeconfig: Any = None,
                      start: bool = True, **kwargs: Any) -> Replica:
        client = await KubeClient.connect(kubeconfig=str(kubeconfig or self.kube.admin_kubeconfig))
        self.clients.append(client)
        wrapped: Any = PartitionableClient(client) if partitionable else client
        replica = Replica(wrapped, self.namespace, identity, **kwargs)
        self.replicas.append(replica)
        if self._monitor is None:
            self._monitor = asyncio.create_task(self._watch_is_leader())
        return replica.start() if start else replica

    async def _watch_is_leader(self) -> None:
        while True:
            leaders = sum(r.elector.is_leader for r in self.replicas)
            self.max_leaders_seen = max(self.max_leaders_seen, leaders)
            await asyncio.sleep(0.02)

    def leaders(self) -> list[Replica]:
        return [r for r in self.replicas if r.leading]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> float:
        """Poll `predicate` every 10 ms; return the seconds it took."""
        started = time.monotonic()
        while not predicate():
            if time.monotonic() - started > timeout:
                raise AssertionError(f"{what}: not within {timeout:.1f}s; intervals: {self.describe()}")
            await asyncio.sleep(0.01)
        return time.monotonic() - started

    def describe(self) -> dict[str, list[list[float]]]:
        return {r.identity: r.intervals for r in self.replicas}

    def assert_no_overlap(self) -> None:
        assert self.max_leaders_seen <= 1, f"is_leader was True on {self.max_leaders_seen} replicas at once"
        spans = sorted((s, e, r.identity) for r in self.replicas for s, e in r.intervals)
        for (_s1, e1, who1), (s2, _e2, who2) in itertools.pairwise(spans):
            if who1 != who2:
                assert e1 < s2, f"{who1} led until {e1:.3f} but {who2} started at {s2:.3f}"

    async def close(self) -> None:
        if self._monitor is not None:
            self._monitor.cancel()
            await asyncio.gather(self._monitor, return_exceptions=True)
        for r in self.replicas:
            await r.kill()
        for c in self.clients:
            with contextlib.suppress(Exception):
                await c.close()


@pytest.fixture
async def cluster(kube_cluster: KubeCluster, kube_namespace: str) -> AsyncIterator[Cluster]:  # noqa: F811
    c = Cluster(kube_cluster, kube_namespace)
    try:
        yield c
    finally:
        await c.close()


def started_or_failed(r: Replica) -> bool:
    return r.leading or (r.task is not None and r.task.done())


async def read_lease(c: Cluster) -> dict[str, Any]:
    client = c.clients[0]
    lease = await client.get(LEASES, c.namespace, "zonekeeper")
    assert lease is not None
    return lease


# --------------------------------------------------------------------------------------------------


async def test_exactly_one_leads_and_a_killed_leader_is_replaced_after_the_lease(cluster: Cluster) -> None:
    a = await cluster.replica("a")
    b = await cluster.replica("b")
    await cluster.wait_for(lambda: len(cluster.leaders()) == 1, POLL * 2, "a first leader")
    await asyncio.sleep(LEASE)  # six renew periods later: still exactly one leader
    (leader,) = cluster.leaders()
    follower = b if leader is a else a
    assert follower.elector.leader_identity == leader.identity
    lease = await read_lease(cluster)
    assert lease["spec"]["holderIdentity"] == leader.identity
    assert lease["spec"]["leaseDurationSeconds"] == 3
    assert len(leader.intervals) == 1 and not follower.intervals

    await leader.kill()
    killed_at = time.monotonic()
    assert (await read_lease(cluster))["spec"]["holderIdentity"] == leader.identity, "no release on a kill"
    await cluster.wait_for(lambda: follower.leading, LEASE + POLL * 2 + 1, "takeover after a kill")
    took = follower.intervals[0][0] - killed_at
    print(f"\ntakeover {took:.2f}s after the leader was killed (lease {LEASE}s, retry {RETRY}s)")
    # The follower waits out the lease from the moment it first saw the last renewal: no earlier than
    # that renewal was sent (at most one renew period before the kill), no later than one poll after
    # it; and it notices the expiry on the poll after that.
    assert LEASE - RETRY - 0.3 <= took <= LEASE + 2 * POLL
    lease = await read_lease(cluster)
    assert lease["spec"]["holderIdentity"] == follower.identity
    assert lease["spec"]["leaseTransitions"] == 1
    cluster.assert_no_overlap()


async def test_a_partitioned_leader_steps_down_before_the_follower_takes_over(cluster: Cluster) -> None:
    a = await cluster.replica("a", partitionable=True)
    await cluster.wait_for(lambda: a.leading, POLL, "a leading")
    b = await cluster.replica("b")
    await asyncio.sleep(RETRY * 3)

    a.client.partitioned = True  # a keeps running but cannot reach the API: a zombie unless it fences
    cut_at = time.monotonic()
    stepped_down = await cluster.wait_for(lambda: not a.leading, RENEW + 0.5, "a stepping down")
    took = await cluster.wait_for(lambda: b.leading, LEASE + POLL * 2, "b taking over")
    margin = b.intervals[0][0] - a.intervals[0][1]
    print(f"\npartitioned leader stepped down {stepped_down:.2f}s after the cut; follower led "
          f"{took + stepped_down:.2f}s after the cut; fencing margin {margin:.2f}s")
    assert stepped_down <= RENEW + 0.1
    assert margin > 0.5, "the old leader must be fenced well before anyone else may write"
    assert time.monotonic() - cut_at >= LEASE - RETRY - 0.3
    cluster.assert_no_overlap()

    a.client.partitioned = False  # the network heals: a follows b instead of fighting it
    await asyncio.sleep(LEASE)
    assert b.leading and not a.leading and a.elector.leader_identity == "b"
    cluster.assert_no_overlap()


async def test_graceful_release_hands_over_within_a_retry_period(cluster: Cluster) -> None:
    a = await cluster.replica("a")
    await cluster.wait_for(lambda: a.leading, POLL, "a leading")
    b = await cluster.replica("b")
    await asyncio.sleep(RETRY * 3)

    released_at = time.monotonic()
    await a.elector.release()
    release_took = time.monotonic() - released_at
    assert not a.elector.is_leader
    lease = await read_lease(cluster)
    assert lease["spec"].get("holderIdentity") is None
    took = await cluster.wait_for(lambda: b.leading, POLL, "b taking over after the release")
    print(f"\nrelease took {release_took * 1000:.0f}ms; takeover {took:.2f}s after it "
          f"(retry {RETRY}s, polls every {RETRY}-{RETRY * 2.2:.1f}s)")
    assert a.task is not None
    await asyncio.wait_for(a.task, 1.0)  # run() returns after release()
    cluster.assert_no_overlap()
    lease = await read_lease(cluster)
    assert lease["spec"]["holderIdentity"] == "b" and lease["spec"]["leaseTransitions"] == 1


async def test_apiserver_restart_makes_the_leader_step_down_and_leadership_returns(cluster: Cluster) -> None:
    # A restart (graceful stop, start, /readyz) takes a few seconds; a 1 s renew deadline makes sure
    # the outage outlasts it on any machine, so the step-down is really exercised.
    timings: dict[str, Any] = {"lease_duration": 1.5, "renew_deadline": 1.0, "retry_period": 0.4}
    a = await cluster.replica("a", **timings)
    await cluster.wait_for(lambda: a.leading, POLL, "a leading")
    await cluster.replica("b", **timings)
    await asyncio.sleep(1.5)

    # The restart blocks: run it off the event loop so the electors keep running through it.
    started = time.monotonic()
    restart = asyncio.create_task(asyncio.to_thread(cluster.kube.restart_apiserver))
    stepped_down = await cluster.wait_for(lambda: not a.elector.is_leader, 30, "the leader stepping down")
    assert not restart.done(), "the API server came back before the renew deadline: no step-down to test"
    await cluster.wait_for(lambda: not a.leading, 1, "on_stopped_leading after is_leader went False")
    await restart
    outage = time.monotonic() - started
    back = await cluster.wait_for(lambda: len(cluster.leaders()) == 1, 1.5 + POLL * 2, "a leader after the restart")
    (leader,) = cluster.leaders()
    print(f"\nrestart took {outage:.1f}s; leader stepped down {stepped_down:.2f}s after it began; "
          f"{leader.identity} leads again {back:.2f}s after the API server was ready")
    assert stepped_down <= 1.0 + 0.2
    assert leader.elector.is_leader
    await asyncio.sleep(1.5 * 2)  # and it holds
    assert cluster.leaders() == [leader] and leader.elector.is_leader
    cluster.assert_no_overlap()


async def test_a_service_account_without_lease_rights_gets_a_clear_403(cluster: Cluster) -> None:
    kubeconfig = await asyncio.to_thread(
        cluster.kube.kubeconfig_for_serviceaccount, cluster.namespace, "no-leases")
    r = await cluster.replica("sa", kubeconfig=kubeconfig)
    assert r.task is not None
    with pytest.raises(LeaderElectionForbidden) as caught:
        await asyncio.wait_for(r.task, 10)
    message = str(caught.value)
    print(f"\n{message}")
    assert f"Lease {cluster.namespace}/zonekeeper" in message
    assert "get, create and update on leases.coordination.k8s.io" in message
    assert f"namespace '{cluster.namespace}'" in message
    assert f"system:serviceaccount:{cluster.namespace}:no-leases" in message  # the API server's own words
    assert not r.intervals


async def test_get_create_update_on_leases_is_enough(cluster: Cluster) -> None:
    """The verbs the 403 message asks for are all leader election needs."""
    kube = cluster.kube
    kubeconfig = await asyncio.to_thread(kube.kubeconfig_for_serviceaccount, cluster.namespace, "elector")
    await asyncio.to_thread(kube.apply, [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": {"name": "leader-election", "namespace": cluster.namespace},
         "rules": [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                    "verbs": ["get", "create", "update"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": "leader-election", "namespace": cluster.namespace},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "leader-election"},
         "subjects": [{"kind": "ServiceAccount", "name": "elector", "namespace": cluster.namespace}]},
    ])
    # The RBAC authorizer learns about new bindings from an informer: retry the start for a moment.
    deadline = time.monotonic() + 10
    while True:
        r = await cluster.replica("sa", kubeconfig=kubeconfig)
        await cluster.wait_for(partial(started_or_failed, r), 5, "start")
        if r.leading:
            break
        assert time.monotonic() < deadline, "the Role never took effect"
        await asyncio.sleep(0.2)
    await asyncio.sleep(RETRY * 3)
    assert r.elector.is_leader and r.elector.stats.renew_failures == 0
    await r.elector.release()
    assert (await read_lease(cluster))["spec"].get("holderIdentity") is None


async def test_a_missing_namespace_is_a_clear_error(cluster: Cluster) -> None:
    client = await KubeClient.connect(kubeconfig=str(cluster.kube.admin_kubeconfig))
    cluster.clients.append(client)
    elector = LeaderElector(client, namespace=f"{cluster.namespace}-missing", identity="x",
                            lease_duration=LEASE, renew_deadline=RENEW, retry_period=RETRY)
    with pytest.raises(LeaderElectionError, match=r"does not exist.*--leader-elect-namespace"):
        await asyncio.wait_for(elector.run(), 10)
