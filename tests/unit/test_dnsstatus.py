"""Each kind's way of saying whether its records are programmed (zonekeeper.kube.dnsstatus), on plain
data, and what the controller hands the StatusWriter after a pass."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from typing import Any

from zonekeeper.config import Settings
from zonekeeper.controller import Controller
from zonekeeper.endpoint import Problem
from zonekeeper.kube import dnsstatus as ds
from zonekeeper.kube.frozen import freeze
from zonekeeper.kube.resources import slim
from zonekeeper.kube.status import StatusUpdate, StatusWriter, _fingerprint
from zonekeeper.metrics import CONFLICT_REASONS
from zonekeeper.sources.objects import GATEWAYS, HTTPROUTES, INGRESSES, SERVICES, ObjectStore
from zonekeeper.wiring import build

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(minutes=5)
OTHER = {"type": "LoadBalancerReady", "status": "True", "reason": "Provisioned", "message": "by the cloud",
         "lastTransitionTime": "2026-01-01T00:00:00Z"}


def service(conditions: list[dict[str, Any]] | None = None, generation: int = 3) -> dict[str, Any]:
    status: dict[str, Any] = {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}
    if conditions is not None:
        status["conditions"] = conditions
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "shop", "generation": generation, "resourceVersion": "10"},
            "spec": {"type": "LoadBalancer"}, "status": status}


def test_outcome_prefers_a_refused_change_then_a_problem_then_pending() -> None:
    label = "service/shop/web"
    conflict = {label: Problem(label, "OwnedByOther", "web.example.com is owned by someone-else")}
    assert ds.outcome(label, {label: "InvalidChangeBatch"}, conflict, pending=True) == \
        ds.Outcome(False, "ChangeRejected", "InvalidChangeBatch")
    assert ds.outcome(label, {}, conflict, pending=True, conflict_reasons=CONFLICT_REASONS) == \
        ds.Outcome(False, "OwnershipConflict", "web.example.com is owned by someone-else")
    assert ds.outcome(label, {}, {}, pending=True) == ds.PENDING
    assert ds.outcome(label, {}, {}, pending=False) == ds.Outcome(True, "Programmed", "all records are in Route 53")


def test_service_apply_names_only_our_condition() -> None:
    body = ds.service_apply(service([OTHER]), ds.PROGRAMMED, NOW)
    assert body == {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
                    "status": {"conditions": [{
                        "type": "DNSRecordsProgrammed", "status": "True", "observedGeneration": 3,
                        "lastTransitionTime": "2026-03-01T12:00:00Z", "reason": "Programmed",
                        "message": "all records are in Route 53"}]}}


def test_service_apply_writes_only_changes_and_keeps_the_transition_time() -> None:
    ours = ds.condition(ds.PROGRAMMED, 3, None, NOW)
    assert ds.service_apply(service([OTHER, ours]), ds.PROGRAMMED, LATER) is None
    # Same status, new message: written, "since" unchanged.
    body = ds.service_apply(service([ours]), ds.Outcome(True, "Programmed", "2 records"), LATER)
    assert body is not None and body["status"]["conditions"][0]["lastTransitionTime"] == "2026-03-01T12:00:00Z"
    # A new generation is news too.
    assert ds.service_apply(service([ours], generation=4), ds.PROGRAMMED, LATER) is not None
    # The status flips: the transition time moves.
    body = ds.service_apply(service([ours]), ds.Outcome(False, "OwnershipConflict", "taken"), LATER)
    assert body is not None
    assert [(c["status"], c["reason"], c["lastTransitionTime"]) for c in body["status"]["conditions"]] == \
        [("False", "OwnershipConflict", "2026-03-01T12:05:00Z")]


def test_service_without_records_gets_nothing_and_loses_our_condition() -> None:
    assert ds.service_apply(service(), None, NOW) is None
    assert ds.service_apply(service([OTHER]), None, NOW) is None
    # Ours is there: an apply naming nothing drops what our field manager owned, and nothing else.
    assert ds.service_apply(service([OTHER, ds.condition(ds.PROGRAMMED, 3, None, NOW)]), None, NOW) == \
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}}


def test_reasons_and_messages_fit_metav1_condition() -> None:
    c = ds.condition(ds.Outcome(False, "no-zone: here!", "x" * 40000), 1, None, NOW)
    assert c["reason"] == "nozone:here" and len(c["message"]) == ds.MESSAGE_LIMIT
    assert ds.condition(ds.Outcome(False, "9lives", "m"), 1, None, NOW)["reason"] == "Unknown"


CONTROLLER = "zonekeeper.io/dns-controller"
GATEWAY_ENTRY = {"parentRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw"},
                 "controllerName": "example.net/gateway", "somethingNew": {"kept": True},
                 "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted", "message": "",
                                 "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": 1}]}


def route(parents: list[dict[str, Any]], generation: int = 2) -> dict[str, Any]:
    return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": "api", "namespace": "shop", "generation": generation, "resourceVersion": "7"},
            "spec": {"parentRefs": [{"name": "gw"}, {"name": "gw2", "namespace": "infra", "sectionName": "https"}],
                     "hostnames": ["api.example.com"]},
            "status": {"parents": parents}}


def test_route_parents_adds_ours_per_ref_and_keeps_other_controllers_entries_whole() -> None:
    obj = route([GATEWAY_ENTRY])
    parents = ds.route_parents(obj, obj["spec"]["parentRefs"], ds.PROGRAMMED, CONTROLLER, NOW)
    assert parents is not None
    assert parents[0] == GATEWAY_ENTRY  # every field of it, even those this version does not know
    assert [(p["controllerName"], p["parentRef"]) for p in parents[1:]] == [
        (CONTROLLER, {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw"}),
        (CONTROLLER, {"group": "gateway.networking.k8s.io", "kind": "Gateway", "namespace": "infra", "name": "gw2",
                      "sectionName": "https"})]
    assert [[(c["type"], c["status"], c["observedGeneration"]) for c in p["conditions"]] for p in parents[1:]] == \
        [[("DNSRecordsProgrammed", "True", 2)]] * 2


def test_route_parents_is_none_when_ours_already_say_it_and_drops_ours_for_refs_gone() -> None:
    obj = route([GATEWAY_ENTRY])
    refs = obj["spec"]["parentRefs"]
    written = route(ds.route_parents(obj, refs, ds.PROGRAMMED, CONTROLLER, NOW) or [])
    # The apiserver defaulting the spec refs' group and kind changes nothing.
    defaulted = [{"group": "gateway.networking.k8s.io", "kind": "Gateway", **r} for r in refs]
    assert ds.route_parents(written, defaulted, ds.PROGRAMMED, CONTROLLER, LATER) is None
    assert ds.route_says(written, refs, ds.PROGRAMMED, CONTROLLER)
    assert not ds.route_says(written, refs[:1], ds.PROGRAMMED, CONTROLLER)
    one = ds.route_parents(written, refs[:1], ds.PROGRAMMED, CONTROLLER, LATER)
    assert one is not None and [p["parentRef"]["name"] for p in one] == ["gw", "gw"]
    assert one[1]["conditions"][0]["lastTransitionTime"] == "2026-03-01T12:00:00Z"
    assert ds.route_parents(written, refs, None, CONTROLLER, LATER) == [GATEWAY_ENTRY]
    assert ds.route_parents(route([GATEWAY_ENTRY]), refs, None, CONTROLLER, LATER) is None


def test_route_parents_never_exceed_32() -> None:
    others = [{**GATEWAY_ENTRY, "controllerName": f"example.net/c{i}"} for i in range(31)]
    obj = route(others)
    parents = ds.route_parents(obj, obj["spec"]["parentRefs"], ds.PROGRAMMED, CONTROLLER, NOW)
    assert parents is not None and len(parents) == 32 and parents[:31] == others


def test_status_only_change_is_only_the_fields_our_writers_own() -> None:
    def frozen(kind: str, obj: dict[str, Any]) -> Any:
        return freeze(kind, slim(kind, obj))

    before = frozen(SERVICES, service([OTHER]))
    after = service([OTHER, ds.condition(ds.PROGRAMMED, 3, None, NOW)])
    after["metadata"]["resourceVersion"] = "11"
    assert ds.status_only_change(SERVICES, before, frozen(SERVICES, after))
    moved = service([OTHER])
    moved["status"]["loadBalancer"]["ingress"][0]["ip"] = "192.0.2.9"
    assert not ds.status_only_change(SERVICES, before, frozen(SERVICES, moved))
    annotated = service([OTHER])
    annotated["metadata"]["annotations"] = {"external-dns.alpha.kubernetes.io/hostname": "web.example.com"}
    assert not ds.status_only_change(SERVICES, before, frozen(SERVICES, annotated))
    r = route([])
    assert ds.status_only_change(HTTPROUTES, frozen(HTTPROUTES, r), frozen(HTTPROUTES, route([GATEWAY_ENTRY])))
    assert not ds.status_only_change(HTTPROUTES, frozen(HTTPROUTES, r), frozen(HTTPROUTES, route([], 3)))
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "x"}}
    assert not ds.status_only_change("pods", pod, pod)  # not a kind we write status for


# -- what the controller submits ---------------------------------------------------------------


class Store(ObjectStore):
    synced = True


def controller(sources: tuple[str, ...]) -> tuple[Controller, Store, StatusWriter]:
    settings = Settings.of(provider="inmemory", inmemory_zone=("example.com",), sources=sources, txt_owner_id="c")
    store = Store()
    # Never flushed: submit() decides what is queued and touches no client.
    writer = StatusWriter(None, now=lambda: NOW)  # type: ignore[arg-type]
    return Controller(build(settings), store, status=writer, debounce=0), store, writer


def annotated_service(name: str, hostname: str | None) -> dict[str, Any]:
    obj = service()
    obj["metadata"] = {"name": name, "namespace": "shop", "generation": 1, "uid": f"uid-{name}",
                       "annotations": {"external-dns.alpha.kubernetes.io/hostname": hostname} if hostname else {}}
    return obj


def test_controller_submits_an_outcome_only_for_objects_that_give_records() -> None:
    async def scenario() -> None:
        ctl, store, writer = controller(("service",))
        store.add(annotated_service("web", "web.example.com"))
        store.add(annotated_service("elsewhere", "web.example.org"))  # in no managed zone
        store.add(annotated_service("plain", None))
        await ctl.run_pass(full=True)
        queued = {key[2]: update.outcome for key, (update, _) in writer._pending.items()}
        assert queued == {"web": ds.PROGRAMMED, "elsewhere": ds.Outcome(
            False, "NoMatchingZone", "web.example.org is not inside any managed hosted zone")}

        # Sent, but the cache has not seen the write yet: the next pass does not queue it again...
        for key, (update, obj) in list(writer._pending.items()):
            writer._remember_sent(key, _fingerprint(obj, update))
        writer._pending.clear()
        await ctl.run_pass(full=True)
        assert writer.pending == 0
        # ...unless what it says changes.
        old = store.get(SERVICES, "shop", "web")
        store.add(annotated_service("web", "www.example.org"))
        ctl.on_change(SERVICES, "modified", old, store.get(SERVICES, "shop", "web"))
        await ctl.run_pass(full=False)
        assert [(k[2], u.outcome.reason if u.outcome else None) for k, (u, _) in writer._pending.items()] == \
            [("web", "NoMatchingZone")]

    asyncio.run(scenario())


def test_a_status_only_update_plans_nothing() -> None:
    async def scenario() -> None:
        ctl, store, _ = controller(("service",))
        old = annotated_service("web", "web.example.com")
        store.add(old)
        await ctl.run_pass(full=True)
        new = annotated_service("web", "web.example.com")
        new["status"]["conditions"] = [ds.condition(ds.PROGRAMMED, 1, None, NOW)]
        store.add(new)
        ctl.on_change(SERVICES, "modified", old, new)
        assert await ctl.run_pass(full=False) is None  # nothing dirty, nothing planned

    asyncio.run(scenario())


def test_routes_get_entries_for_the_gateways_that_exist() -> None:
    async def scenario() -> None:
        ctl, store, writer = controller(("gateway-httproute",))
        store.add({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                   "metadata": {"name": "gw", "namespace": "shop"},
                   "spec": {"listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}]},
                   "status": {"addresses": [{"type": "IPAddress", "value": "192.0.2.5"}]}}, GATEWAYS)
        store.add(route([]), HTTPROUTES)
        await ctl.run_pass(full=True)
        ((update, _),) = writer._pending.values()
        assert (update.outcome, [dict(r) for r in update.parent_refs]) == (ds.PROGRAMMED, [{"name": "gw"}])

    asyncio.run(scenario())


def ingress(annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "shop", "namespace": "shop", "generation": 2, "resourceVersion": "5",
                         "annotations": {"kubernetes.io/ingress.class": "nginx", **(annotations or {})}},
            "spec": {"rules": [{"host": "shop.example.com"}]}}


def test_ingress_condition_is_our_annotation_applied_alone() -> None:
    body = ds.ingress_apply(ingress(), ds.PROGRAMMED, NOW)
    assert body is not None and body["metadata"]["annotations"].keys() == {ds.INGRESS_ANNOTATION}
    value = body["metadata"]["annotations"][ds.INGRESS_ANNOTATION]
    assert value == ('{"status":"True","observedGeneration":2,"lastTransitionTime":"2026-03-01T12:00:00Z",'
                     '"reason":"Programmed","message":"all records are in Route 53"}')
    written = ingress({ds.INGRESS_ANNOTATION: value})
    # The informer keeps it, and reads it back as already said.
    assert ds.ingress_apply(freeze(INGRESSES, slim(INGRESSES, written)), ds.PROGRAMMED, LATER) is None
    assert ds.status_only_change(INGRESSES, freeze(INGRESSES, slim(INGRESSES, ingress())),
                                 freeze(INGRESSES, slim(INGRESSES, written)))
    assert not ds.status_only_change(INGRESSES, ingress(), ingress({"external-dns.alpha.kubernetes.io/ttl": "60"}))
    # No records any more: an apply without it drops it.
    assert ds.ingress_apply(written, None, LATER) == {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "shop", "namespace": "shop"}}
    assert ds.ingress_apply(ingress(), None, LATER) is None
    # Garbage in our annotation is replaced, not trusted.
    assert ds.ingress_apply(ingress({ds.INGRESS_ANNOTATION: "{not json"}), ds.PROGRAMMED, NOW) is not None


def test_a_follower_writes_nothing_it_was_handed() -> None:
    async def scenario() -> None:
        leading = [True]
        # No client at all: a write attempt would fail (and count as failed).
        writer = StatusWriter(None, is_leader=lambda: leading[0], now=lambda: NOW)  # type: ignore[arg-type]
        svc = freeze(SERVICES, slim(SERVICES, annotated_service("web", "web.example.com")))
        writer.submit(svc, StatusUpdate(SERVICES, "shop", "web", ds.PROGRAMMED))
        assert writer.pending == 1
        leading[0] = False
        await writer.flush()
        assert (writer.pending, writer.stats.failed, writer.stats.written) == (0, 0, 0)

    asyncio.run(scenario())


def test_leadership_lost_while_waiting_for_the_rate_limit_sends_nothing_more() -> None:
    async def scenario() -> None:
        leading = [True]
        attempted: list[str] = []

        def lookup(kind: str, namespace: str, name: str) -> None:
            attempted.append(name)  # a write begins by reading the object from the cache
            return None  # (gone meanwhile: nothing is sent)

        # 1 write a second: the first goes at once, the second waits ~1 s for the bucket.
        writer = StatusWriter(None, qps=1, lookup=lookup, is_leader=lambda: leading[0],  # type: ignore[arg-type]
                              now=lambda: NOW)
        for name in ("a", "b"):
            svc = freeze(SERVICES, slim(SERVICES, annotated_service(name, f"{name}.example.com")))
            writer.submit(svc, StatusUpdate(SERVICES, "shop", name, ds.PROGRAMMED))
        flushing = asyncio.create_task(writer.flush())
        while not attempted:
            await asyncio.sleep(0.01)
        leading[0] = False  # deposed while the second waits
        await flushing
        assert (attempted, writer.pending) == (["a"], 0)

    asyncio.run(scenario())


def test_updates_of_one_object_coalesce_and_the_10000_of_a_pass_cost_little() -> None:
    import time

    writer = StatusWriter(None, now=lambda: NOW)  # type: ignore[arg-type]
    services = [freeze(SERVICES, slim(SERVICES, annotated_service(f"s{i}", f"s{i}.example.com")))
                for i in range(10_000)]
    started = time.perf_counter()
    for svc in services:
        writer.submit(svc, StatusUpdate(SERVICES, "shop", svc["metadata"]["name"], ds.PENDING))
    for svc in services:
        writer.submit(svc, StatusUpdate(SERVICES, "shop", svc["metadata"]["name"], ds.PROGRAMMED))
    elapsed = time.perf_counter() - started
    assert writer.pending == 10_000  # one write per object, the newest outcome
    assert {u.outcome for u, _ in writer._pending.values()} == {ds.PROGRAMMED}
    assert elapsed < 2.0, f"20,000 submissions took {elapsed:.2f}s"


def test_a_failed_zone_leaves_its_objects_status_alone_and_others_go_on() -> None:
    from zonekeeper.providers.base import ProviderError

    async def scenario() -> None:
        settings = Settings.of(provider="inmemory", inmemory_zone=("example.com", "example.net"),
                               sources=("service",), txt_owner_id="c")
        wired = build(settings)
        store = Store()
        writer = StatusWriter(None, now=lambda: NOW)  # type: ignore[arg-type]
        ctl = Controller(wired, store, status=writer, debounce=0)
        store.add(annotated_service("com", "web.example.com"))
        store.add(annotated_service("net", "web.example.net"))
        provider = wired.provider
        real_records = provider.records

        def records(zone: Any) -> Any:
            if zone.name == "example.com":
                raise ProviderError("Throttling: Rate exceeded")
            return real_records(zone)

        provider.records = records  # type: ignore[method-assign]
        result = await ctl.run_pass(full=True)
        assert result is not None and [z.zone.name for z in result.zones if z.error] == ["example.com"]
        assert {k[2]: u.outcome for k, (u, _) in writer._pending.items()} == {"net": ds.PROGRAMMED}

    asyncio.run(scenario())


async def swept_five() -> tuple[Controller, Store, StatusWriter]:
    """A controller with five Services, told two at a time, after a full pass."""
    ctl, store, writer = controller(("service",))
    ctl.status_slice = 2
    for i in range(5):
        store.add(annotated_service(f"s{i}", f"s{i}.example.com"))
    await ctl.run_pass(full=True)
    return ctl, store, writer


def test_a_full_pass_tells_many_objects_in_slices_and_a_later_pass_wins() -> None:
    async def scenario() -> None:
        ctl, store, writer = await swept_five()
        assert writer.pending == 0  # the pass is over; its statuses follow, slice by slice
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert [k[2] for k in writer._pending] == ["s0", "s1"]
        # Meanwhile s3 moves out of every zone: an event pass says so first (run without yielding to
        # the loop, so that it lands between two slices)...
        old = store.get(SERVICES, "shop", "s3")
        store.add(annotated_service("s3", "s3.example.org"))
        ctl.on_change(SERVICES, "modified", old, store.get(SERVICES, "shop", "s3"))
        work = ctl._prepare(full=False)
        assert work is not None
        result, inputs, skipped = ctl._reconcile(work, None)
        ctl._finish(work, result, inputs, skipped, [])
        assert ctl._sweep is not None
        await ctl._sweep.task
        # ...and the full pass's older word on s3 does not replace it.
        assert {k[2]: u.outcome.reason if u.outcome else None for k, (u, _) in writer._pending.items()} == {
            "s0": "Programmed", "s1": "Programmed", "s2": "Programmed", "s3": "NoMatchingZone", "s4": "Programmed"}

    asyncio.run(scenario())


def test_closing_the_controller_stops_its_sweep() -> None:
    async def scenario() -> None:
        ctl, _, writer = await swept_five()
        sweep = ctl._sweep
        ctl.close()
        assert sweep is not None
        with contextlib.suppress(asyncio.CancelledError):
            await sweep.task
        assert sweep.task.cancelled() and writer.pending == 0

    asyncio.run(scenario())


def settled_service(name: str, version: str, said: ds.Outcome = ds.PROGRAMMED) -> Any:
    return freeze(SERVICES, slim(SERVICES, saying_service(name, version, said)))


def saying_service(name: str, version: str, said: ds.Outcome = ds.PROGRAMMED) -> dict[str, Any]:
    obj = annotated_service(name, f"{name}.example.com")
    obj["metadata"]["resourceVersion"] = version
    obj["status"]["conditions"] = [ds.condition(said, 1, None, NOW)]
    return obj


def test_the_writer_remembers_an_object_version_that_says_an_outcome_only_for_that_outcome() -> None:
    writer = StatusWriter(None, now=lambda: NOW)  # type: ignore[arg-type]
    svc = settled_service("web", "7")
    writer.submit(svc, StatusUpdate(SERVICES, "shop", "web", ds.PROGRAMMED))
    writer.submit(svc, StatusUpdate(SERVICES, "shop", "web", ds.PROGRAMMED))
    assert (writer.pending, writer.stats.unchanged) == (0, 2)
    # The same object version, a different outcome: it does not say that.
    rejected = ds.Outcome(False, "ChangeRejected", "InvalidChangeBatch")
    writer.submit(svc, StatusUpdate(SERVICES, "shop", "web", rejected))
    assert [u.outcome for u, _ in writer._pending.values()] == [rejected]


def test_the_writer_judges_a_new_object_version_afresh() -> None:
    writer = StatusWriter(None, now=lambda: NOW)  # type: ignore[arg-type]
    writer.submit(settled_service("web", "7"), StatusUpdate(SERVICES, "shop", "web", ds.PROGRAMMED))
    # Someone replaced our condition: version 8 says Pending.
    writer.submit(settled_service("web", "8", ds.PENDING), StatusUpdate(SERVICES, "shop", "web", ds.PROGRAMMED))
    assert [u.outcome for u, _ in writer._pending.values()] == [ds.PROGRAMMED]


def test_the_writer_forgets_a_deleted_object() -> None:
    writer = StatusWriter(None, now=lambda: NOW)  # type: ignore[arg-type]
    svc = settled_service("web", "7")
    writer.submit(svc, StatusUpdate(SERVICES, "shop", "web", ds.PROGRAMMED))
    assert writer._settled
    writer.forget((SERVICES, "shop", "web"))
    assert writer._settled == {}


def test_the_controller_has_the_writer_forget_a_deleted_object() -> None:
    async def scenario() -> None:
        ctl, store, writer = controller(("service",))
        store.add(saying_service("web", "7"))
        await ctl.run_pass(full=True)
        assert list(writer._settled) == [(SERVICES, "shop", "web")]
        old = store.remove(SERVICES, "shop", "web")
        ctl.on_change(SERVICES, "deleted", old, None)
        await ctl.run_pass(full=False)
        assert writer._settled == {}

    asyncio.run(scenario())


def test_says_tells_whether_an_object_already_says_an_outcome() -> None:
    ours = ds.condition(ds.PROGRAMMED, 3, None, NOW)
    outcomes = (None, ds.PROGRAMMED, ds.PENDING)
    assert [ds.service_says(service([OTHER]), said) for said in outcomes] == [True, False, False]
    assert [ds.service_says(service([OTHER, ours]), said) for said in outcomes] == [False, True, False]
    assert [ds.service_says(service([ours], generation=4), said) for said in outcomes] == [False, False, False]
    value = ds.ingress_apply(ingress(), ds.PROGRAMMED, NOW)["metadata"]["annotations"]  # type: ignore[index]
    assert [ds.ingress_says(ingress(), said) for said in outcomes] == [True, False, False]
    assert [ds.ingress_says(ingress(value), said) for said in outcomes] == [False, True, False]
    assert [ds.ingress_says(ingress({ds.INGRESS_ANNOTATION: "{not json"}), said) for said in outcomes] == \
        [False, False, False]
