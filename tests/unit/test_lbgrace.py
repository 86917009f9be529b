"""The load-balancer grace period: the pure hold rules, then the controller over an in-memory store and
provider with a hand-driven clock."""

from __future__ import annotations

import asyncio
from typing import Any

from zonekeeper import lbgrace
from zonekeeper.annotations import PREFIXES
from zonekeeper.changes import Action
from zonekeeper.config import Settings
from zonekeeper.controller import Controller
from zonekeeper.endpoint import Endpoint, Key
from zonekeeper.sources.objects import INGRESSES, SERVICES, ObjectStore
from zonekeeper.wiring import build

NLB1 = "k8s-web-nlb1-0123456789-abcdef0123456789.elb.us-east-1.amazonaws.com"
NLB2 = "k8s-web-nlb2-9876543210-fedcba9876543210.elb.us-east-1.amazonaws.com"
HOSTNAME = "external-dns.alpha.kubernetes.io/hostname"

# -- the pure rules -----------------------------------------------------------------------------------


def test_a_hold_starts_once_and_keeps_its_deadline() -> None:
    hold = lbgrace.hold_for(None, resource="service/ns/web", waiting={"web.example.com"}, now=10.0, grace=300.0)
    assert hold == lbgrace.Hold("service/ns/web", frozenset({"web.example.com"}), 10.0, 310.0)
    again = lbgrace.hold_for(hold, resource="service/ns/web", waiting={"web.example.com"}, now=200.0, grace=300.0)
    assert again == hold
    assert again is not None and not again.active(310.0) and again.active(309.9)
    # Still without targets after the deadline: it stays expired rather than starting over.
    expired = lbgrace.hold_for(again, resource="service/ns/web", waiting={"web.example.com"}, now=400.0, grace=300.0)
    assert expired == hold and not expired.active(400.0)


def test_no_hold_without_waiting_names_or_without_a_grace_period() -> None:
    assert lbgrace.hold_for(None, resource="service/ns/web", waiting=(), now=0.0, grace=300.0) is None
    assert lbgrace.hold_for(None, resource="service/ns/web", waiting={"a.example.com"}, now=0.0, grace=0.0) is None


def test_kept() -> None:
    a = lbgrace.Hold("service/ns/a", frozenset({"a.example.com", "www.example.com"}), 0.0, 100.0)
    b = lbgrace.Hold("ingress/ns/b", frozenset({"b.example.com"}), 0.0, 50.0)
    assert set(lbgrace.kept([a, b], 10.0)) == {("a.example.com", "service/ns/a"), ("www.example.com", "service/ns/a"),
                                               ("b.example.com", "ingress/ns/b")}
    assert set(lbgrace.kept([a, b], 60.0)) == {("a.example.com", "service/ns/a"), ("www.example.com", "service/ns/a")}
    assert "up to 5m0s (--load-balancer-grace-period)" in lbgrace.Hold("service/ns/a", frozenset(), 0, 300).describe(
        Key("a.example.com", "A"))


def test_placeholder_only_for_load_balanced_kinds_without_an_address() -> None:
    empty = service("web", "web.example.com")
    copy = lbgrace.with_placeholder_address(SERVICES, empty, PREFIXES)
    assert copy is not None and copy["status"]["loadBalancer"]["ingress"] == [{"ip": "192.0.2.1"}]
    assert empty["status"]["loadBalancer"]["ingress"] == []  # the cached object is untouched
    assert lbgrace.with_placeholder_address(INGRESSES, {"metadata": {"name": "x"}}, PREFIXES) is not None
    assert lbgrace.with_placeholder_address(SERVICES, service("web", "web.example.com", lb=NLB1), PREFIXES) is None
    assert lbgrace.with_placeholder_address("dnsendpoints.externaldns.k8s.io", empty, PREFIXES) is None
    cluster_ip = {**empty, "spec": {"type": "ClusterIP"}}
    assert lbgrace.with_placeholder_address(SERVICES, cluster_ip, PREFIXES) is None
    overridden = service("web", "web.example.com")
    overridden["metadata"]["annotations"]["external-dns.alpha.kubernetes.io/target"] = "10.0.0.1"
    assert lbgrace.with_placeholder_address(SERVICES, overridden, PREFIXES) is None
    actual = [Endpoint.new("a.example.com", "A", ["10.0.0.1"])]
    placeholder = [Endpoint.new("a.example.com", "A", ["192.0.2.1"]), Endpoint.new("b.example.com", "A", ["192.0.2.1"])]
    assert lbgrace.waiting_names(actual, placeholder) == {"b.example.com"}


# -- the controller -----------------------------------------------------------------------------------


class Store(ObjectStore):
    synced = True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def service(name: str, hostname: str, lb: str = "", ns: str = "default") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "annotations": {HOSTNAME: hostname} if hostname else {}},
            "spec": {"type": "LoadBalancer", "selector": {"app": name}},
            "status": {"loadBalancer": {"ingress": [{"hostname": lb}] if lb else []}}}


def make(grace: float = 300.0) -> tuple[Controller, Store, Clock]:
    settings = Settings.of(provider="inmemory", inmemory_zone=("example.com",), sources=("service", "ingress"),
                           txt_owner_id="c", load_balancer_grace_period=grace)
    store, clock = Store(), Clock()
    return Controller(build(settings), store, debounce=0, clock=clock), store, clock


def records(controller: Controller) -> dict[tuple[str, str], tuple[str, ...]]:
    provider: Any = controller.wiring.provider
    zone = provider.zones()[0]
    return {(k.name, k.type): e.targets for k, e in provider._records[zone.id].items() if k.type != "TXT"}


def update(controller: Controller, store: Store, kind: str, new: dict[str, Any] | None,
           old: dict[str, Any] | None = None) -> None:
    meta = (new or old or {})["metadata"]
    before = store.get(kind, meta["namespace"], meta["name"])
    if new is None:
        store.remove(kind, meta["namespace"], meta["name"])
    else:
        store.add(new, kind)
    controller.on_change(kind, "modified", before, new)


def test_emptied_status_keeps_the_record_until_the_new_load_balancer() -> None:
    async def scenario() -> None:
        controller, store, clock = make()
        store.add(service("web", "web.example.com", lb=NLB1))
        assert (await controller.run_pass(full=True)).ok  # type: ignore[union-attr]
        assert records(controller)[("web.example.com", "CNAME")] == (NLB1,)

        update(controller, store, SERVICES, service("web", "web.example.com"))  # old LB gone
        result = await controller.run_pass(full=False)
        assert result is not None and result.changes == []
        assert records(controller)[("web.example.com", "CNAME")] == (NLB1,)
        held = [p for p in result.all_problems if p.reason == "TargetsPending"]
        assert [p.subject for p in held] == ["service/default/web"]
        assert "web.example.com CNAME" in held[0].message and "--load-balancer-grace-period" in held[0].message
        # A periodic full pass (recomputing everything) keeps holding.
        clock.now += 60
        controller.request_full_pass()
        result = await controller.run_pass(full=True)
        assert result is not None and result.changes == [] and ("web.example.com", "CNAME") in records(controller)

        clock.now += 60
        update(controller, store, SERVICES, service("web", "web.example.com", lb=NLB2))  # new LB ready
        result = await controller.run_pass(full=False)
        assert result is not None
        assert [(c.action, c.endpoint.type) for _, c in result.changes] == [(Action.UPDATE, "CNAME")]
        assert records(controller)[("web.example.com", "CNAME")] == (NLB2,)
        assert controller._holds == {}

    asyncio.run(scenario())


def test_records_go_when_the_grace_period_ends() -> None:
    async def scenario() -> None:
        controller, store, clock = make(grace=300.0)
        store.add(service("web", "web.example.com", lb=NLB1))
        await controller.run_pass(full=True)
        update(controller, store, SERVICES, service("web", "web.example.com"))
        await controller.run_pass(full=False)
        assert controller._wake_at(10_000.0) == 400.0  # the loop wakes when the hold ends
        clock.now = 399.0
        controller._holds_ended()
        assert await controller.run_pass(full=False) is None  # nothing due yet
        clock.now = 400.0
        controller._holds_ended()
        result = await controller.run_pass(full=False)
        assert result is not None and {c.action for _, c in result.changes} == {Action.DELETE}
        assert records(controller) == {}
        # The status stays empty: the hold does not start over.
        controller.request_full_pass()
        await controller.run_pass(full=True)
        assert controller._hold_due == {} and records(controller) == {}

    asyncio.run(scenario())


def test_deleted_objects_and_dropped_names_lose_their_records_at_once() -> None:
    async def scenario() -> None:
        controller, store, _ = make()
        store.add(service("web", "web.example.com", lb=NLB1))
        store.add(service("api", "api.example.com,old.example.com", lb=NLB1))
        await controller.run_pass(full=True)
        update(controller, store, SERVICES, service("web", "web.example.com"))
        await controller.run_pass(full=False)
        update(controller, store, SERVICES, None, old=service("web", ""))  # deleted outright, while held
        await controller.run_pass(full=False)
        assert not any(name == "web.example.com" for name, _ in records(controller))
        # The status empties and a name is dropped: only the name still asked for is held.
        update(controller, store, SERVICES, service("api", "api.example.com"))
        await controller.run_pass(full=False)
        assert {name for name, _ in records(controller)} == {"api.example.com"}

    asyncio.run(scenario())


def test_a_restarted_controller_keeps_the_records_of_an_emptied_status() -> None:
    async def scenario() -> None:
        controller, store, _ = make()
        store.add(service("web", "web.example.com", lb=NLB1))
        await controller.run_pass(full=True)
        # A new process (same provider, so the records exist) finds the status already empty.
        store.add(service("web", "web.example.com"))
        fresh = Controller(controller.wiring, store, debounce=0, clock=Clock())
        result = await fresh.run_pass(full=True)
        assert result is not None and result.changes == []
        assert ("web.example.com", "CNAME") in records(fresh)

    asyncio.run(scenario())


def test_grace_zero_deletes_at_once() -> None:
    async def scenario() -> None:
        controller, store, _ = make(grace=0.0)
        store.add(service("web", "web.example.com", lb=NLB1))
        await controller.run_pass(full=True)
        update(controller, store, SERVICES, service("web", "web.example.com"))
        await controller.run_pass(full=False)
        assert records(controller) == {}

    asyncio.run(scenario())


def test_an_ingress_is_held_too() -> None:
    async def scenario() -> None:
        controller, store, _ = make()

        def ingress(lb: str) -> dict[str, Any]:
            return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                    "metadata": {"name": "shop", "namespace": "default"},
                    "spec": {"rules": [{"host": "shop.example.com"}]},
                    "status": {"loadBalancer": {"ingress": [{"hostname": lb}] if lb else []}}}

        store.add(ingress(NLB1), INGRESSES)
        await controller.run_pass(full=True)
        assert ("shop.example.com", "CNAME") in records(controller)
        update(controller, store, INGRESSES, ingress(""))
        result = await controller.run_pass(full=False)
        assert result is not None and result.changes == [] and ("shop.example.com", "CNAME") in records(controller)

    asyncio.run(scenario())


def test_the_documented_message_is_the_real_one() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "troubleshooting.md").read_text()
    hold = lbgrace.Hold("service/shop/web", frozenset({"web.example.com"}), 0.0, 300.0)
    assert f"service/shop/web: {hold.describe(Key('web.example.com', 'A'))} [TargetsPending]" in doc
