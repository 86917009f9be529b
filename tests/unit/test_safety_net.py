"""The safety net: every object's endpoints recomputed now and then, in case an event was missed, in
slices beside the passes (issue 12: recomputing 100,000 Services at once held the event loop ~8 s)."""

from __future__ import annotations

import asyncio
from typing import Any

from zonekeeper.config import Settings
from zonekeeper.controller import RECOMPUTE_ALL_EVERY, Controller
from zonekeeper.providers.inmemory import InMemoryProvider
from zonekeeper.sources.objects import SERVICES, ObjectStore
from zonekeeper.wiring import build


class Store(ObjectStore):
    synced = True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def service(name: str, hostname: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default",
                         "annotations": {"external-dns.alpha.kubernetes.io/hostname": hostname}},
            "spec": {"type": "LoadBalancer"}, "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}}


def make(n: int) -> tuple[Controller, Store, InMemoryProvider, Clock]:
    settings = Settings.of(provider="inmemory", inmemory_zone=("a.test",), sources=("service",), txt_owner_id="c")
    wired = build(settings)
    store, clock = Store(), Clock()
    for i in range(n):
        store.add(service(f"s{i}", f"s{i}.a.test"))
    provider = wired.provider
    assert isinstance(provider, InMemoryProvider)
    return Controller(wired, store, debounce=0, clock=clock), store, provider, clock


def names(provider: InMemoryProvider) -> set[str]:
    return {key.name for zone in provider.zones() for key in provider._records[zone.id] if key.type == "A"}


def test_a_missed_change_is_found_and_planned_by_the_next_full_pass_when_the_net_is_due() -> None:
    async def scenario() -> None:
        ctl, store, provider, clock = make(2)
        await ctl.run_pass(full=True)
        assert names(provider) == {"s0.a.test", "s1.a.test"}
        store.add(service("s1", "renamed.a.test"))  # no event reaches the controller
        clock.now += RECOMPUTE_ALL_EVERY / 2
        await ctl.run_pass(full=True)
        assert names(provider) == {"s0.a.test", "s1.a.test"}  # not due yet: the net has not looked
        clock.now += RECOMPUTE_ALL_EVERY / 2
        await ctl.run_pass(full=True)  # a handful of objects: checked at once, planned by this pass
        assert names(provider) == {"s0.a.test", "renamed.a.test"}

    asyncio.run(scenario())


def test_the_net_sweeps_in_slices_and_marks_only_what_changed() -> None:
    async def scenario() -> None:
        ctl, store, provider, _ = make(5)
        ctl.audit_slice = 2
        await ctl.run_pass(full=True)
        store.add(service("s3", "renamed.a.test"))  # no event
        store.remove(SERVICES, "default", "s4")  # nor here
        ctl._start_audit()
        assert ctl._audit is not None and not ctl._dirty  # the sweep runs beside the passes
        await ctl._audit.task
        assert sorted(ctl._dirty) == [("service", "default", "s3"), ("service", "default", "s4")]
        await ctl.run_pass(full=False)
        assert names(provider) == {"s0.a.test", "s1.a.test", "s2.a.test", "renamed.a.test"}

    asyncio.run(scenario())


def test_an_unchanged_cluster_gives_the_net_nothing_to_do() -> None:
    async def scenario() -> None:
        ctl, _, _, _ = make(5)
        ctl.audit_slice = 2
        await ctl.run_pass(full=True)
        ctl._start_audit()
        assert ctl._audit is not None
        await ctl._audit.task
        assert not ctl._dirty

    asyncio.run(scenario())


def test_the_net_runs_once_per_period() -> None:
    async def scenario() -> None:
        ctl, _, _, clock = make(5)
        ctl.audit_slice, ctl.audit_rate = 2, 4.0  # half a second between slices
        await ctl.run_pass(full=True)
        assert ctl._audit is None  # the first pass computed everything from scratch
        clock.now += RECOMPUTE_ALL_EVERY
        await ctl.run_pass(full=True)
        first = ctl._audit
        assert first is not None
        clock.now += RECOMPUTE_ALL_EVERY - 1
        await ctl.run_pass(full=True)
        assert ctl._audit is first
        clock.now += 1
        await ctl.run_pass(full=True)
        assert ctl._audit is first and not first.task.done()  # due, but a sweep still going is not cut short
        await first.task
        await ctl.run_pass(full=True)
        assert ctl._audit is not first

    asyncio.run(scenario())


def test_an_object_gone_by_its_turn_with_its_outputs_is_left_alone() -> None:
    async def scenario() -> None:
        ctl, store, _, _ = make(5)
        ctl.audit_slice = 2
        await ctl.run_pass(full=True)
        ctl._start_audit()
        old = store.remove(SERVICES, "default", "s4")
        ctl.on_change(SERVICES, "deleted", old, None)
        ctl._prepare(full=False)  # the event pass takes it: its outputs go
        assert ctl._audit is not None
        await ctl._audit.task
        assert not ctl._dirty

    asyncio.run(scenario())
