"""A full pass lets changes that arrive while it runs go out between its zones (issue 12: p99 ≤ 1 s).

A full pass over 100,000 records takes seconds; an event arriving as it starts used to wait for all of
it. Here the in-memory provider is instrumented (not replaced) so that a change lands while the full
pass is inside its first zone, exactly as an informer event would, from the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

from zonekeeper.config import Settings
from zonekeeper.controller import Controller
from zonekeeper.endpoint import Endpoint
from zonekeeper.kube.status import StatusUpdate, StatusWriter
from zonekeeper.providers.base import Zone
from zonekeeper.providers.inmemory import InMemoryProvider
from zonekeeper.sources.objects import SERVICES, ObjectStore
from zonekeeper.wiring import build


class Store(ObjectStore):
    synced = True


def service(name: str, hostname: str, ip: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default",
                         "annotations": {"external-dns.alpha.kubernetes.io/hostname": hostname}},
            "spec": {"type": "LoadBalancer"},
            "status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}


class Elector:
    def __init__(self) -> None:
        self.is_leader = True
        self.term = 1

    def write_budget(self, term: int) -> float:
        return 10.0 if self.is_leader and term == self.term else 0.0


def make(elector: Any = None) -> tuple[Controller, Store, InMemoryProvider, list[str]]:
    settings = Settings.of(provider="inmemory", inmemory_zone=("a.test", "b.test"), sources=("service",),
                           txt_owner_id="c")
    wired = build(settings)
    store = Store()
    controller = Controller(wired, store, elector=elector, debounce=0)
    provider = wired.provider
    assert isinstance(provider, InMemoryProvider)
    writes: list[str] = []  # the zone of every apply, in order
    apply = provider.apply

    def logged_apply(zone: Zone, groups: Any) -> Any:
        writes.append(f"{zone.name}:" + ",".join(sorted({c.endpoint.name for g in groups for c in g.changes})))
        return apply(zone, groups)

    provider.apply = logged_apply  # type: ignore[method-assign]
    return controller, store, provider, writes


def targets(provider: InMemoryProvider, name: str) -> tuple[str, ...] | None:
    for zone in provider.zones():
        for key, ep in provider._records[zone.id].items():
            if key.name == name and key.type == "A":
                return ep.targets
    return None


def during_first_zone(provider: InMemoryProvider, loop: asyncio.AbstractEventLoop,
                      what: Callable[[], None]) -> None:
    """Run `what` on the event loop (as an informer event) once, while the pass reads the first zone."""
    records = provider.records
    fired: list[bool] = []

    def records_then_event(zone: Zone) -> list[Endpoint]:
        out = records(zone)
        if zone.name == "a.test" and not fired:
            fired.append(True)
            asyncio.run_coroutine_threadsafe(_call(what), loop).result(5)
        return out

    provider.records = records_then_event  # type: ignore[method-assign]


async def _call(what: Callable[[], None]) -> None:
    what()


def watch_status(controller: Controller) -> list[str]:
    """The objects whose status each pass submits, in order (a real StatusWriter, never sending)."""
    writer = StatusWriter(None, now=lambda: dt.datetime(2026, 12, 4, tzinfo=dt.UTC))  # type: ignore[arg-type]
    said: list[str] = []
    submit = writer.submit

    def logged(obj: Any, update: StatusUpdate) -> None:
        said.append(update.name)
        submit(obj, update)

    writer.submit = logged  # type: ignore[method-assign]
    controller.status = writer
    return said


def setup_two_zones(controller: Controller, store: Store) -> None:
    store.add(service("x", "x.a.test", "10.0.0.1"))
    store.add(service("y", "y.b.test", "10.0.0.2"))


def test_a_change_during_a_full_pass_goes_out_before_the_full_pass_reaches_its_zone() -> None:
    async def scenario() -> None:
        controller, store, provider, writes = make()
        setup_two_zones(controller, store)
        assert (await controller.run_pass(full=True)).ok  # type: ignore[union-attr]
        controller._recompute_everything = True  # the next full pass recomputes and plans every object
        old = store.get(SERVICES, "default", "y")
        new = service("y", "y.b.test", "10.0.0.9")
        added = service("z", "z.b.test", "10.0.0.3")

        def event() -> None:
            store.add(new, SERVICES)
            controller.on_change(SERVICES, "modified", old, new)
            store.add(added, SERVICES)
            controller.on_change(SERVICES, "added", None, added)

        during_first_zone(provider, asyncio.get_running_loop(), event)
        writes.clear()
        said = watch_status(controller)
        result = await controller.run_pass(full=True)
        assert result is not None and result.ok
        # The event pass ran between the zones and wrote b.test's two names; the full pass, planned from
        # the objects as they were when it started, neither reverted y nor deleted z afterwards.
        assert writes == ["b.test:a-z.b.test,y.b.test,z.b.test"]  # z with its ownership TXT
        assert targets(provider, "y.b.test") == ("10.0.0.9",)
        assert targets(provider, "z.b.test") == ("10.0.0.3",)
        assert controller._dirty == {}
        assert controller.stats.latencies  # measured when the event pass went out, not after the full pass
        # Each object's status is said once: y and z by the event pass that planned them, x by the full
        # pass, which does not say again, from its older plan, what it left to the event pass.
        assert sorted(said) == ["x", "y", "z"]

    asyncio.run(scenario())


def test_an_object_deleted_during_a_full_pass_is_not_recreated_by_it() -> None:
    async def scenario() -> None:
        controller, store, provider, writes = make()
        setup_two_zones(controller, store)
        assert (await controller.run_pass(full=True)).ok  # type: ignore[union-attr]
        controller._recompute_everything = True
        old = store.get(SERVICES, "default", "y")

        def event() -> None:
            store.remove(SERVICES, "default", "y")
            controller.on_change(SERVICES, "deleted", old, None)

        during_first_zone(provider, asyncio.get_running_loop(), event)
        writes.clear()
        await controller.run_pass(full=True)
        assert writes == ["b.test:a-y.b.test,y.b.test"]  # the record and its TXT, nothing after it
        assert targets(provider, "y.b.test") is None

    asyncio.run(scenario())


def test_no_event_pass_inside_a_full_pass_once_leadership_moved() -> None:
    async def scenario() -> None:
        elector = Elector()
        controller, store, provider, writes = make(elector)
        setup_two_zones(controller, store)
        assert (await controller.run_pass(full=True)).ok  # type: ignore[union-attr]
        controller._recompute_everything = True
        old = store.get(SERVICES, "default", "y")
        new = service("y", "y.b.test", "10.0.0.9")

        def event() -> None:
            # Lost and regained at once: the term the full pass started in is over.
            elector.term = 2
            store.add(new, SERVICES)
            controller.on_change(SERVICES, "modified", old, new)

        during_first_zone(provider, asyncio.get_running_loop(), event)
        writes.clear()
        await controller.run_pass(full=True)
        # No event pass ran in the old term's full pass, and that pass's own writes are fenced; the change
        # waits, unplanned, for the next pass (which starts in the new term and drops the record cache).
        assert writes == []
        assert targets(provider, "y.b.test") == ("10.0.0.2",)
        assert set(controller._dirty) == {("service", "default", "y")}
        result = await controller.run_pass(full=False)
        assert result is not None and result.ok
        assert targets(provider, "y.b.test") == ("10.0.0.9",)

    asyncio.run(scenario())


async def w_to_create_and_x_to_change(controller: Controller, store: Store) -> tuple[Any, dict[str, Any]]:
    """Both zones in place; the next full pass recomputes everything and finds w to create in a.test.
    Returns x (in a.test) as it is and as its change will make it."""
    setup_two_zones(controller, store)
    assert (await controller.run_pass(full=True)).ok  # type: ignore[union-attr]
    controller._recompute_everything = True
    store.add(service("w", "w.a.test", "10.0.0.4"))  # found by the full pass's recompute
    return store.get(SERVICES, "default", "x"), service("x", "x.a.test", "10.0.0.8")


def test_a_change_while_the_full_pass_plans_everything_goes_out_before_its_first_zone() -> None:
    async def scenario() -> None:
        controller, store, provider, writes = make()
        old, new = await w_to_create_and_x_to_change(controller, store)
        zones = provider.zones
        loop = asyncio.get_running_loop()
        fired: list[bool] = []

        def zones_then_event() -> list[Zone]:
            if not fired:  # the full pass's first look at the zones, before any zone is planned
                fired.append(True)

                async def event() -> None:
                    store.add(new, SERVICES)
                    controller.on_change(SERVICES, "modified", old, new)
                asyncio.run_coroutine_threadsafe(event(), loop).result(5)
            return zones()

        provider.zones = zones_then_event  # type: ignore[method-assign]
        writes.clear()
        await controller.run_pass(full=True)
        # x's change did not wait for the full pass to plan its zone, a.test, where w is created.
        assert writes == ["a.test:x.a.test", "a.test:a-w.a.test,w.a.test"]
        assert targets(provider, "x.a.test") == ("10.0.0.8",)

    asyncio.run(scenario())


def test_a_change_while_the_full_pass_reads_a_zone_goes_out_before_that_zone_is_planned() -> None:
    # Reading a zone of 20,000 records takes about as long as planning it: a change that lands while
    # the full pass reads its zone must not also wait for that zone's plan and apply.
    async def scenario() -> None:
        controller, store, provider, writes = make()
        old, new = await w_to_create_and_x_to_change(controller, store)

        def event() -> None:
            store.add(new, SERVICES)
            controller.on_change(SERVICES, "modified", old, new)

        during_first_zone(provider, asyncio.get_running_loop(), event)
        writes.clear()
        said = watch_status(controller)
        result = await controller.run_pass(full=True)
        assert result is not None and result.ok, result
        # The event pass wrote x between a.test's reading and its plan; the full pass then created w from
        # that reading and left x alone (its older plan would have reverted x's address).
        assert writes == ["a.test:x.a.test", "a.test:a-w.a.test,w.a.test"]
        assert targets(provider, "x.a.test") == ("10.0.0.8",)
        assert targets(provider, "w.a.test") == ("10.0.0.4",)
        assert sorted(said) == ["w", "x", "y"]

    asyncio.run(scenario())
