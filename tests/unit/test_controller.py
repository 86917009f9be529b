"""The controller's incremental logic over an in-memory object store and the in-memory provider.

The same flows run against a real kube-apiserver in tests/integration/test_live_controller.py; here
the bookkeeping (what gets recomputed, which names get planned, fencing) is checked in isolation.
"""

from __future__ import annotations

import asyncio
from typing import Any

from zonekeeper import selectors
from zonekeeper.config import Settings
from zonekeeper.controller import Controller
from zonekeeper.sources.objects import ISTIO_GATEWAYS, SERVICES, ObjectStore
from zonekeeper.wiring import build


class Store(ObjectStore):
    synced = True


def service(name: str, hostname: str, ip: str = "", lb: str = "", ns: str = "default",
            selector: dict[str, str] | None = None) -> dict[str, Any]:
    ingress = [{"ip": ip}] if ip else [{"hostname": lb}] if lb else []
    annotations = {"external-dns.alpha.kubernetes.io/hostname": hostname} if hostname else {}
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "annotations": annotations},
            "spec": {"type": "LoadBalancer", "selector": selector or {"app": name}},
            "status": {"loadBalancer": {"ingress": ingress}}}


def gateway(name: str, hosts: list[str], ns: str = "default") -> dict[str, Any]:
    return {"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": {"istio": "ingressgateway"}, "servers": [{"hosts": hosts}]}}


def make(sources: tuple[str, ...] = ("service",), elector: Any = None) -> tuple[Controller, Store, Any]:
    settings = Settings.of(provider="inmemory", inmemory_zone=("example.com",), sources=sources, txt_owner_id="c")
    wired = build(settings)
    store = Store()
    return Controller(wired, store, elector=elector, debounce=0), store, wired.provider


def records(provider: Any) -> dict[tuple[str, str], tuple[str, ...]]:
    zone = provider.zones()[0]
    return {(k.name, k.type): e.targets for k, e in provider._records[zone.id].items() if k.type != "TXT"}


def change(controller: Controller, store: Store, kind: str, old: Any, new: Any) -> None:
    if new is None:
        store.remove(kind, old["metadata"]["namespace"], old["metadata"]["name"])
    else:
        store.add(new, kind)
    controller.on_change(kind, "modified", old, new)


def test_incremental_pass_plans_only_touched_names() -> None:
    async def scenario() -> None:
        controller, store, provider = make()
        store.add(service("a", "a.example.com", ip="10.0.0.1"))
        store.add(service("b", "b.example.com", ip="10.0.0.2"))
        assert (await controller.run_pass(full=True)).ok  # type: ignore[union-attr]
        assert records(provider) == {("a.example.com", "A"): ("10.0.0.1",), ("b.example.com", "A"): ("10.0.0.2",)}

        old = store.get(SERVICES, "default", "a")
        change(controller, store, SERVICES, old, service("a", "a.example.com", ip="10.0.0.9"))
        provider.requests = 0
        result = await controller.run_pass(full=False)
        assert result is not None and [c.endpoint.name for _, c in result.changes] == ["a.example.com"]
        assert records(provider)[("a.example.com", "A")] == ("10.0.0.9",)
        assert controller.stats.latencies  # event → DNS latency was measured

        change(controller, store, SERVICES, store.get(SERVICES, "default", "b"), None)
        await controller.run_pass(full=False)
        assert ("b.example.com", "A") not in records(provider)

        # Renaming the hostname deletes the old name and creates the new one.
        old = store.get(SERVICES, "default", "a")
        change(controller, store, SERVICES, old, service("a", "new.example.com", ip="10.0.0.9"))
        await controller.run_pass(full=False)
        assert set(records(provider)) == {("new.example.com", "A")}

    asyncio.run(scenario())


def test_gateway_follows_its_services_load_balancer() -> None:
    async def scenario() -> None:
        controller, store, provider = make(("istio-gateway",))
        ingress_gw = service("istio-ingressgateway", "", ip="10.1.1.1", ns="istio-system",
                             selector={"istio": "ingressgateway"})
        store.add(ingress_gw)
        store.add(gateway("bookinfo", ["bookinfo.example.com"]))
        await controller.run_pass(full=True)
        assert records(provider) == {("bookinfo.example.com", "A"): ("10.1.1.1",)}
        # The load balancer is re-provisioned: only the Service changes, the Gateway's record follows.
        change(controller, store, SERVICES, ingress_gw,
               service("istio-ingressgateway", "", ip="10.2.2.2", ns="istio-system",
                       selector={"istio": "ingressgateway"}))
        result = await controller.run_pass(full=False)
        assert result is not None
        assert records(provider) == {("bookinfo.example.com", "A"): ("10.2.2.2",)}
        assert store.get(ISTIO_GATEWAYS, "default", "bookinfo") is not None

    asyncio.run(scenario())


def test_follower_does_not_write_and_fence_blocks_a_deposed_leader() -> None:
    class Elector:
        is_leader = False
        term = 1

        def write_budget(self, term: int) -> float:
            return 10.0 if self.is_leader and term == self.term else 0.0

    async def scenario() -> None:
        elector = Elector()
        controller, store, provider = make(elector=elector)
        store.add(service("a", "a.example.com", ip="10.0.0.1"))
        assert await controller.run_pass(full=True) is None
        assert records(provider) == {}
        elector.is_leader = True
        await controller.run_pass(full=True)
        assert records(provider) == {("a.example.com", "A"): ("10.0.0.1",)}
        # Leadership lost between planning and writing: the provider's fence refuses the write.
        assert provider.fence is not None
        elector.is_leader = False
        zone = provider.zones()[0]
        from zonekeeper.changes import Change, group_by_name
        from zonekeeper.endpoint import Endpoint

        result = provider.apply(zone, group_by_name([Change.create(Endpoint.new("x.example.com", "A", ["1.1.1.1"]))]))
        assert result.applied == [] and "no longer the leader" in result.failed[0][1]

    asyncio.run(scenario())


def test_deletes_wait_until_every_watch_listed_once() -> None:
    async def scenario() -> None:
        controller, store, provider = make()
        store.add(service("a", "a.example.com", ip="10.0.0.1"))
        await controller.run_pass(full=True)
        store.synced = False  # type: ignore[misc]
        change(controller, store, SERVICES, store.get(SERVICES, "default", "a"), None)
        result = await controller.run_pass(full=False)
        assert result is not None and result.zones[0].plan.withheld
        assert ("a.example.com", "A") in records(provider)

    asyncio.run(scenario())


class Elector:
    def __init__(self, leader: bool) -> None:
        self.is_leader = leader
        self.term = 3

    def write_budget(self, term: int) -> float:
        return 10.0 if self.is_leader and term == self.term else 0.0


def test_the_leader_reads_every_zone_ahead_once_while_its_informers_still_list() -> None:
    # Route 53 serves 5 requests/s per account: listing 200,000 records takes over two minutes, which the
    # leader spends while its informers list the cluster, not after them. A follower reads nothing.
    async def scenario(leader: bool) -> list[str]:
        controller, store, provider = make(elector=Elector(leader))
        controller.resync = 0.05  # the loop looks for the caches' sync every 50 ms
        store.add(service("a", "a.example.com", ip="10.0.0.1"))
        store.synced = False  # type: ignore[misc]
        seen: list[str] = []
        zones, invalidate = provider.zones, provider.invalidate
        provider.preload = lambda: seen.append("preload")
        provider.zones = lambda: seen.append("pass") or zones()
        provider.invalidate = lambda zone=None: seen.append("invalidate") or invalidate(zone)
        task = asyncio.create_task(controller.run())
        await asyncio.sleep(0.3)
        store.synced = True  # type: ignore[misc]
        for _ in range(100):
            await asyncio.sleep(0.02)
            if "pass" in seen or not leader:
                break
        await asyncio.sleep(0.1)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return seen

    seen = asyncio.run(scenario(leader=True))
    # Once, before the first pass, which then plans from what it read (in the same leadership term:
    # nothing to forget).
    assert seen[0] == "preload" and seen.count("preload") == 1 and "pass" in seen
    assert "invalidate" not in seen
    assert asyncio.run(scenario(leader=False)) == []


def test_annotation_filter_selector() -> None:
    accept = selectors.parse("team=web,env in (prod, staging),!skip")
    assert accept({"team": "web", "env": "prod"})
    assert not accept({"team": "web", "env": "dev"})
    assert not accept({"team": "web", "env": "prod", "skip": ""})
    assert selectors.parse("a!=b")({"a": "c"}) and not selectors.parse("a!=b")({"a": "b"})
    try:
        selectors.parse("a=b=c")
    except ValueError as exc:
        assert "a=b=c" in str(exc)
    else:
        raise AssertionError("malformed selector accepted")


def test_failed_pass_is_retried_soon_not_an_interval_later(monkeypatch: Any) -> None:
    from zonekeeper import controller as controller_module
    from zonekeeper.providers.base import ProviderError

    monkeypatch.setattr(controller_module, "RETRY_AFTER_ERROR", 0.05)

    async def scenario() -> None:
        controller, store, provider = make()
        controller.resync = 3600.0
        store.add(service("a", "a.example.com", ip="10.0.0.1"))
        calls = {"zones": 0}
        real_zones = provider.zones

        def flaky_zones() -> Any:
            calls["zones"] += 1
            if calls["zones"] == 1:
                raise ProviderError("Throttling: Rate exceeded")
            return real_zones()

        provider.zones = flaky_zones
        task = asyncio.create_task(controller.run())
        for _ in range(100):
            await asyncio.sleep(0.02)
            if records(provider):
                break
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert calls["zones"] >= 2
        assert records(provider) == {("a.example.com", "A"): ("10.0.0.1",)}

    asyncio.run(scenario())


# -- --min-event-sync-interval: external-dns's meaning ------------------------------------------------


def test_an_event_pass_waits_only_the_batch_window_then_keeps_min_event_sync_interval_from_the_last() -> None:
    from zonekeeper.controller import event_pass_at

    # The first pass (no pass yet) goes after the batch window alone, however long the interval.
    assert event_pass_at(100.0, None, min_interval=30.0, batch=0.2, due=1000.0) == 100.2
    # Later ones start no sooner than --min-event-sync-interval after the last pass started ...
    assert event_pass_at(100.0, 90.0, min_interval=30.0, batch=0.2, due=1000.0) == 120.0
    # ... and at once (after the window) when that is long past.
    assert event_pass_at(100.0, 10.0, min_interval=30.0, batch=0.2, due=1000.0) == 100.2
    # A full pass due sooner is not held back by the spacing (only event-triggered runs are spaced).
    assert event_pass_at(100.0, 90.0, min_interval=30.0, batch=0.2, due=105.0) == 105.0


def test_min_event_sync_interval_spaces_event_passes_but_not_the_first_sync() -> None:
    async def scenario() -> None:
        settings = Settings.of(provider="inmemory", inmemory_zone=("example.com",), sources=("service",),
                               txt_owner_id="c", min_event_sync_interval=1.5, interval=3600.0)
        store = Store()
        controller = Controller(build(settings), store)
        provider = controller.wiring.provider
        store.add(service("a", "a.example.com", ip="10.0.0.1"))
        controller.on_change(SERVICES, "added", None, store.get(SERVICES, "default", "a"))
        loop = asyncio.get_running_loop()
        started = loop.time()
        task = asyncio.create_task(controller.run())
        while not records(provider) and loop.time() - started < 5:
            await asyncio.sleep(0.02)
        first = loop.time() - started
        change(controller, store, SERVICES, None, service("b", "b.example.com", ip="10.0.0.2"))
        while len(records(provider)) < 2 and loop.time() - started < 5:
            await asyncio.sleep(0.02)
        second = loop.time() - started
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert first < 1.0, f"the first sync waited {first:.2f}s"
        assert second >= 1.5, f"an event pass {second:.2f}s after the first one, inside --min-event-sync-interval"
        assert len(records(provider)) == 2

    asyncio.run(scenario())


class Said:
    """What the controller asks its Event recorder to record (type, reason, message), as a list."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []

    def record(self, ref: Any, type_: str, reason: str, message: str) -> None:
        self.events.append((type_, reason, message))


def _events_for(events_emit: tuple[str, ...]) -> list[tuple[str, str, str]]:
    settings = Settings.of(provider="inmemory", inmemory_zone=("example.com",), sources=("service",),
                           txt_owner_id="c", events_emit=events_emit)
    said = Said()
    store = Store()
    controller = Controller(build(settings), store, recorder=said, debounce=0)

    async def scenario() -> None:
        web = service("web", "web.example.com", "10.0.0.1")
        store.add(web, SERVICES)
        await controller.run_pass(full=True)
        change(controller, store, SERVICES, web, None)
        await controller.run_pass(full=False)

    asyncio.run(scenario())
    return said.events


def test_events_emit_chooses_external_dns_reasons_and_types() -> None:
    assert [e[1] for e in _events_for(())] == ["RecordCreated", "RecordDeleted"]
    assert _events_for(("RecordReady", "RecordDeleted")) == [
        ("Normal", "RecordReady", "(zonekeeper) record:web.example.com,owner:c,type:A,ttl:300,targets:10.0.0.1"),
        ("Normal", "RecordDeleted", "(zonekeeper) record:web.example.com,owner:c,type:A,ttl:300,targets:10.0.0.1")]
    assert _events_for(("RecordError",)) == []


def _traefik_route(api: str, host: str, target: str) -> dict[str, Any]:
    return {"apiVersion": api, "kind": "IngressRoute",
            "metadata": {"name": "r", "namespace": "default",
                         "annotations": {"external-dns.kubernetes.io/target": target}},
            "spec": {"routes": [{"match": f"Host(`{host}`)"}]}}


def test_parts_of_one_source_keep_their_objects_apart() -> None:
    """traefik-proxy's IngressRoutes of both groups share a name and the label `ingressroute/default/r`:
    each is its own object to the controller, and deleting one leaves the other's records."""
    from zonekeeper.sources.objects import TRAEFIK_INGRESSROUTES, TRAEFIK_LEGACY_INGRESSROUTES

    async def scenario() -> None:
        settings = Settings.of(provider="inmemory", inmemory_zone=("example.com",), sources=("traefik-proxy",),
                               txt_owner_id="c", traefik_enable_legacy=True)
        store = Store()
        controller = Controller(build(settings), store, debounce=0)
        provider = controller.wiring.provider
        assert set(controller.specs) == {f"traefik-proxy:{p}ingressroute{k}" for p in ("", "legacy-")
                                         for k in ("", "tcp", "udp")}
        new = _traefik_route("traefik.io/v1alpha1", "new.example.com", "10.0.0.1")
        old = _traefik_route("traefik.containo.us/v1alpha1", "old.example.com", "10.0.0.2")
        store.add(new)
        store.add(old)
        assert (await controller.run_pass(full=True)).ok  # type: ignore[union-attr]
        assert records(provider) == {("new.example.com", "A"): ("10.0.0.1",), ("old.example.com", "A"): ("10.0.0.2",)}

        change(controller, store, TRAEFIK_LEGACY_INGRESSROUTES, old, None)
        await controller.run_pass(full=False)
        assert records(provider) == {("new.example.com", "A"): ("10.0.0.1",)}
        change(controller, store, TRAEFIK_INGRESSROUTES, new, _traefik_route("traefik.io/v1alpha1", "new.example.com",
                                                                             "10.0.0.3"))
        await controller.run_pass(full=False)
        assert records(provider) == {("new.example.com", "A"): ("10.0.0.3",)}

    asyncio.run(scenario())


def test_fake_source_draws_once_per_full_pass_as_external_dns_per_sync() -> None:
    # external-dns calls the fake source's Endpoints() once per sync, its generator advancing: with
    # --policy=sync each interval replaces the previous names. Our full pass is that sync; event passes
    # (a Service changing beside it) keep the last draw.
    async def scenario() -> None:
        controller, store, provider = make(("service", "fake"))
        store.add(service("a", "a.example.com", ip="10.0.0.1"))
        await controller.run_pass(full=True)
        first = {name for name, rtype in records(provider) if rtype == "A"}
        assert first == {"a.example.com", "quhw.example.com"}  # quhw: external-dns's first draw (seed 9673)

        old = store.get(SERVICES, "default", "a")
        change(controller, store, SERVICES, old, service("a", "a.example.com", ip="10.0.0.2"))
        await controller.run_pass(full=False)
        assert {name for name, rtype in records(provider) if rtype == "A"} == first

        await controller.run_pass(full=True)
        # itnm: external-dns's second sync (`--interval=1s --dry-run --log-level=debug`, its "fake
        # source generated A endpoint" lines: quhw, itnm, uxvp).
        assert {(name, t) for name, rtype in records(provider) if rtype == "A" for t in records(provider)[name, rtype]
                } == {("a.example.com", "10.0.0.2"), ("itnm.example.com", "192.0.2.248")}

    asyncio.run(scenario())
