"""--source=connector in the controller: its server read at each full pass; before the first good read
every delete is held (its records are unknown, not unwanted); later failures keep the last good read.

The server is a local asyncio listener sending the bytes Go's encoding/gob wrote (tests/unit/test_gob.py's
SAMPLE), as external-dns's connector server does: one value per connection, then close.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from tests.unit.test_controller import Store, change, service
from tests.unit.test_gob import SAMPLE
from zonekeeper.config import Settings
from zonekeeper.controller import Controller
from zonekeeper.manifests import UNREADABLE
from zonekeeper.sources.objects import SERVICES
from zonekeeper.wiring import build


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make(port: int) -> tuple[Controller, Store, Any]:
    settings = Settings.of(provider="inmemory", inmemory_zone=("example.com", "example.org"),
                           sources=("service", "connector"), txt_owner_id="c",
                           connector_source_server=f"127.0.0.1:{port}")
    wired = build(settings)
    store = Store()
    return Controller(wired, store, debounce=0), store, wired.provider


def names(provider: Any) -> set[tuple[str, str]]:
    return {(k.name, k.type) for zone in provider.zones() for k in provider._records[zone.id] if k.type != "TXT"}


async def serve(port: int) -> asyncio.Server:
    async def send(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(SAMPLE)
        await writer.drain()
        writer.close()

    return await asyncio.start_server(send, "127.0.0.1", port)


def test_a_failed_first_read_holds_every_delete_until_the_server_answers() -> None:
    async def scenario() -> None:
        port = free_port()
        controller, store, provider = make(port)
        store.add(service("a", "a.example.com", ip="10.0.0.1"))
        first = await controller.run_pass(full=True)
        assert first is not None
        assert ("a.example.com", "A") in names(provider)  # creates go ahead
        assert [p.reason for p in first.all_problems] == [UNREADABLE]
        assert controller.connector is not None and f"127.0.0.1:{port}" in (controller.connector.error or "")
        assert controller.vitals.last_sync is None  # not ready: a source could not be read

        change(controller, store, SERVICES, store.get(SERVICES, "default", "a"), None)
        held = await controller.run_pass(full=True)
        assert held is not None and held.zones and any(z.plan.withheld for z in held.zones)
        assert ("a.example.com", "A") in names(provider)  # not deleted: the connector's records are unknown

        server = await serve(port)
        try:
            await controller.run_pass(full=True)
        finally:
            server.close()
            await server.wait_closed()
        assert controller.connector.error is None
        assert controller.vitals.last_sync is not None
        # Read: a.example.com's delete goes ahead, the connector's records appear.
        assert names(provider) == {("web.example.org", "A"), ("w.example.org", "CNAME")}

        # The server gone again: its last good read is kept, nothing of it deleted.
        await controller.run_pass(full=True)
        assert controller.connector.error is not None
        assert {("web.example.org", "A"), ("w.example.org", "CNAME")} <= names(provider)

    asyncio.run(scenario())
