"""The controller re-plans exactly the Emissary Hosts and Gloo Proxies that read a changed Service."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.unit.test_controller import change, make, records, service
from zonekeeper.sources.objects import SERVICES

AMB = "external-dns.ambassador-service"


def host(name: str, hostname: str, svc: str) -> dict[str, Any]:
    return {"apiVersion": "getambassador.io/v3alpha1", "kind": "Host",
            "metadata": {"name": name, "namespace": "default", "annotations": {AMB: f"default/{svc}"}},
            "spec": {"hostname": hostname}}


def proxy(name: str, domain: str) -> dict[str, Any]:
    return {"apiVersion": "gloo.solo.io/v1", "kind": "Proxy", "metadata": {"name": name, "namespace": "gloo-system"},
            "spec": {"listeners": [{"httpListener": {"virtualHosts": [{"domains": [domain]}]}}]}}


def test_a_changed_service_re_plans_only_the_hosts_and_proxies_that_read_it() -> None:
    async def scenario() -> None:
        controller, store, provider = make(("ambassador-host", "gloo-proxy"))
        for obj in (service("edge-a", "", ip="10.0.0.1"), service("edge-b", "", ip="10.0.0.2"),
                    host("a", "a.example.com", "edge-a"), host("b", "b.example.com", "edge-b"),
                    service("px-a", "", ip="10.0.1.1", ns="gloo-system"),
                    service("px-b", "", ip="10.0.1.2", ns="gloo-system"),
                    proxy("px-a", "gloo-a.example.com"), proxy("px-b", "gloo-b.example.com")):
            store.add(obj)
        assert (await controller.run_pass(full=True)).ok  # type: ignore[union-attr]
        assert records(provider) == {
            ("a.example.com", "A"): ("10.0.0.1",), ("b.example.com", "A"): ("10.0.0.2",),
            ("gloo-a.example.com", "A"): ("10.0.1.1",), ("gloo-b.example.com", "A"): ("10.0.1.2",)}

        change(controller, store, SERVICES, store.get(SERVICES, "default", "edge-a"),
               service("edge-a", "", ip="10.0.0.9"))
        # Exactly the Host reading the Service is marked for re-planning (not Host b, no Proxy).
        assert set(controller._dirty) == {("ambassador-host", "default", "a")}
        result = await controller.run_pass(full=False)
        assert result is not None and [c.endpoint.name for _, c in result.changes] == ["a.example.com"]

        change(controller, store, SERVICES, store.get(SERVICES, "gloo-system", "px-b"),
               service("px-b", "", ip="10.0.1.9", ns="gloo-system"))
        assert set(controller._dirty) == {("gloo-proxy", "gloo-system", "px-b")}
        result = await controller.run_pass(full=False)
        assert result is not None and [c.endpoint.name for _, c in result.changes] == ["gloo-b.example.com"]
        assert records(provider)[("gloo-b.example.com", "A")] == ("10.0.1.9",)
        assert controller.stats.latencies

    asyncio.run(scenario())
