"""/healthz and /readyz: thresholds with a fake clock, the controller's heartbeat when a pass hangs on the
provider, and the HTTP endpoints themselves (aiohttp on the test's event loop)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import aiohttp
import pytest

from zonekeeper import server as http
from zonekeeper.config import ConfigError, Settings
from zonekeeper.controller import Controller
from zonekeeper.health import Health, Vitals, liveness_threshold, readiness_max_sync_age
from zonekeeper.metrics import Metrics
from zonekeeper.sources.objects import ObjectStore
from zonekeeper.wiring import build


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_thresholds() -> None:
    assert liveness_threshold(60) == 180
    assert liveness_threshold(5) == 60  # never below a minute: a slow pass is not a dead loop
    assert readiness_max_sync_age(60) == 180
    assert readiness_max_sync_age(60, 45) == 45


def test_liveness_fails_when_the_loop_stops_ticking() -> None:
    clock = Clock()
    vitals = Vitals(clock)
    health = Health(vitals, interval=30)
    assert health.liveness() == (True, "ok")
    clock.now += 90
    assert health.liveness().ok  # exactly at the limit is still alive
    clock.now += 1
    verdict = health.liveness()
    assert not verdict.ok and verdict.reason == "control loop stalled: no iteration for 91s (limit 90s)"
    vitals.tick()
    assert health.liveness().ok


def test_readiness_needs_synced_watches_and_a_recent_sync() -> None:
    clock = Clock()
    vitals = Vitals(clock)
    pending = ["services", "ingresses.networking.k8s.io"]
    health = Health(vitals, interval=10, pending_watches=lambda: pending)
    assert health.readiness() == (False, "waiting for the first list of: ingresses.networking.k8s.io, services")
    pending.clear()
    assert health.readiness() == (False, "no successful DNS sync yet")
    vitals.synced()
    assert health.readiness() == (True, "ok")
    clock.now += 31
    assert health.readiness() == (False, "last successful DNS sync 31s ago (limit 30s)")
    vitals.synced()
    assert health.readiness().ok


def test_a_follower_is_ready_once_its_caches_are_synced() -> None:
    clock = Clock()
    pending = ["services"]
    leader = [False]
    health = Health(Vitals(clock), interval=10, max_sync_age=20, pending_watches=lambda: pending,
                    is_leader=lambda: leader[0])
    assert not health.readiness().ok  # a follower with empty caches could not take over
    pending.clear()
    assert health.readiness().ok and "follower" in health.readiness().reason
    clock.now += 10_000
    assert health.readiness().ok  # followers never sync DNS: never unready for that
    leader[0] = True  # a new leader is ready once it has synced
    assert health.readiness() == (False, "no successful DNS sync yet")


@pytest.mark.parametrize(("address", "expected"), [
    (":7979", ("", 7979)), ("127.0.0.1:0", ("127.0.0.1", 0)), ("[::1]:8080", ("::1", 8080)),
    ("0.0.0.0:7979", ("0.0.0.0", 7979)),
])
def test_parse_address(address: str, expected: tuple[str, int]) -> None:
    assert http.parse_address(address) == expected


@pytest.mark.parametrize("address", ["7979", "localhost", ":http", "::1:7979", ":99999"])
def test_bad_metrics_address_is_a_config_error(address: str) -> None:
    with pytest.raises(ConfigError, match="metrics-address"):
        Settings.of(metrics_address=address).validate()
    Settings.of(metrics_address="").validate()  # off


# -- the controller's heartbeat and the HTTP endpoints ----------------------------------------------------

class Store(ObjectStore):
    synced = True


class Gate:
    """Blocks the provider's zone listing (a Route 53 call that never answers) until opened."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider
        self.open = threading.Event()
        self.open.set()
        self.entered = threading.Event()
        self._zones = provider.zones
        provider.zones = self.zones

    def zones(self) -> Any:
        self.entered.set()
        self.open.wait(30)
        return self._zones()


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


async def wait_until(check: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


async def test_a_pass_stuck_on_the_provider_fails_healthz_and_recovers() -> None:
    clock = Clock()
    settings = Settings.of(provider="inmemory", inmemory_zone=("example.com",), sources=("service",), txt_owner_id="c")
    wired = build(settings)
    metrics = Metrics()
    controller = Controller(wired, Store(), debounce=0, resync=0.05, clock=clock, metrics=metrics)
    gate = Gate(wired.provider)
    health = Health(controller.vitals, interval=30, is_leader=lambda: controller.is_leader)
    server = await http.start("127.0.0.1:0", metrics.registry, health)
    task = asyncio.create_task(controller.run())
    try:
        await wait_until(lambda: controller.vitals.last_sync is not None)
        assert await get(server.url + "/healthz") == (200, "text/plain; charset=utf-8", "ok\n")
        assert (await get(server.url + "/readyz"))[0] == 200

        gate.open.clear()
        gate.entered.clear()
        controller.request_full_pass()  # the fake clock stands still: ask for the pass
        await wait_until(gate.entered.is_set)  # the next pass is now blocked inside the provider
        clock.now += liveness_threshold(30) - 1
        assert (await get(server.url + "/healthz"))[0] == 200
        clock.now += 2
        status, _, body = await get(server.url + "/healthz")
        assert status == 503 and body == "control loop stalled: no iteration for 91s (limit 90s)\n"
        status, _, body = await get(server.url + "/readyz")
        assert status == 503 and body.startswith("last successful DNS sync 91s ago")

        gate.open.set()  # Route 53 answers again: the loop turns, the next full pass syncs
        synced = controller.vitals.last_sync
        controller.request_full_pass()
        await wait_until(lambda: controller.vitals.last_sync != synced)
        assert (await get(server.url + "/healthz"))[0] == 200
        assert (await get(server.url + "/readyz"))[0] == 200

        status, content_type, body = await get(server.url + "/metrics")
        assert status == 200 and content_type.startswith("text/plain; version=")
        assert "zonekeeper_reconcile_duration_seconds_count{mode=\"full\"}" in body
        async with aiohttp.ClientSession() as session, session.get(
                server.url + "/metrics", headers={"Accept": "application/openmetrics-text"}) as response:
            assert response.headers["Content-Type"].startswith("application/openmetrics-text")
            assert (await response.text()).endswith("# EOF\n")
        assert (await get(server.url + "/nope"))[0] == 404
    finally:
        gate.open.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        controller.close()
        await server.close()


async def test_bind_failure_is_an_oserror() -> None:
    metrics = Metrics()
    health = Health(Vitals(), interval=60)
    server = await http.start("127.0.0.1:0", metrics.registry, health)
    try:
        with pytest.raises(OSError):
            await http.start(server.url.removeprefix("http://"), metrics.registry, health)
    finally:
        await server.close()


def test_threaded_server_for_the_from_file_loop() -> None:
    import urllib.request

    vitals = Vitals()
    server = http.start_in_thread("127.0.0.1:0", Metrics().registry, Health(vitals, interval=60))
    try:
        with urllib.request.urlopen(server.url + "/healthz") as response:
            assert response.status == 200
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(server.url + "/readyz")
        assert err.value.code == 503 and err.value.read() == b"no successful DNS sync yet\n"
        vitals.synced()
        with urllib.request.urlopen(server.url + "/readyz") as response:
            assert response.status == 200
    finally:
        server.stop()


def test_readyz_tells_of_a_tripped_deletion_guard_without_failing() -> None:
    clock = Clock()
    vitals = Vitals(clock)
    health = Health(vitals, interval=30)
    vitals.synced()
    vitals.deletion_guard["example.com (Z1)"] = (clock.now, 462)
    clock.now += 42
    verdict = health.readiness()
    assert verdict.ok
    assert verdict.reason == ("ok\ndeletion guard tripped in example.com (Z1) 42s ago: 462 deletions held "
                              "(see docs/troubleshooting.md#mass-deletion-guard)")
    del vitals.deletion_guard["example.com (Z1)"]
    assert health.readiness() == (True, "ok")
