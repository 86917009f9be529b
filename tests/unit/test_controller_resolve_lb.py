"""The controller with --resolve-service-load-balancer-hostname: lookups before each pass (real ones:
`localhost` from /etc/hosts, `.invalid` never resolves), and Services re-planned when a hostname's
addresses change."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from zonekeeper import lbresolve
from zonekeeper.config import Settings
from zonekeeper.controller import Controller
from zonekeeper.sources.objects import SERVICES, ObjectStore
from zonekeeper.wiring import build


class Store(ObjectStore):
    synced = True


def service(name: str, lb: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default",
                         "annotations": {"external-dns.alpha.kubernetes.io/hostname": f"{name}.example.com"}},
            "spec": {"type": "LoadBalancer"}, "status": {"loadBalancer": {"ingress": [{"hostname": lb}]}}}


def make() -> tuple[Controller, Store, Any]:
    settings = Settings.of(provider="inmemory", inmemory_zone=("example.com",), sources=("service",),
                           txt_owner_id="c", resolve_service_load_balancer_hostname=True)
    wired = build(settings)
    store = Store()
    return Controller(wired, store, debounce=0), store, wired.provider


def records(provider: Any) -> dict[tuple[str, str], tuple[str, ...]]:
    zone = provider.zones()[0]
    return {(k.name, k.type): e.targets for k, e in provider._records[zone.id].items() if k.type != "TXT"}


def test_hostnames_are_resolved_before_full_and_event_passes() -> None:
    async def scenario() -> None:
        controller, store, provider = make()
        store.add(service("c", "nothing-here.invalid"))
        result = await controller.run_pass(full=True)
        assert result is not None and records(provider) == {}
        assert [(p.subject, p.reason) for p in result.problems] == [("service/default/c", "UnresolvableHostname")]
        # A Service appearing with a hostname not looked up yet: the event pass looks it up first.
        store.add(service("a", "localhost"))
        controller.on_change(SERVICES, "added", None, store.get(SERVICES, "default", "a"))
        result = await controller.run_pass(full=False)
        assert result is not None
        assert records(provider) == {("a.example.com", "A"): ("127.0.0.1",)}  # no CNAME to localhost

    asyncio.run(scenario())


def test_a_changed_address_set_re_plans_the_services_using_the_hostname(monkeypatch: pytest.MonkeyPatch) -> None:
    # The system resolver's answer changing over time, as a load balancer's addresses do.
    answers = {"lb.example.net": ("192.0.2.1",)}
    monkeypatch.setattr(lbresolve, "lookup", lambda name: answers.get(name, ()))

    async def scenario() -> None:
        controller, store, provider = make()
        store.add(service("a", "lb.example.net"))
        await controller.run_pass(full=True)
        assert records(provider)[("a.example.com", "A")] == ("192.0.2.1",)
        answers["lb.example.net"] = ("192.0.2.2", "2001:db8::2")
        assert await controller.run_pass(full=False) is None  # an event pass does not look known names up
        await controller.run_pass(full=True)  # every --interval: all looked up again, no event needed
        assert records(provider)[("a.example.com", "A")] == ("192.0.2.2",)
        assert records(provider)[("a.example.com", "AAAA")] == ("2001:db8::2",)

    asyncio.run(scenario())
