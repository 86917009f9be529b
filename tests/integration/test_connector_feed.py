"""zonekeeper.connectorfeed against the real connector server (tests/connector: external-dns v0.23.0's
endpoint package through encoding/gob), and against servers that fail."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.connector import MISSING, SERVER, serving
from zonekeeper import connectorfeed

pytestmark = pytest.mark.skipif(not SERVER.exists(), reason=MISSING)


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    data = tmp_path / "endpoints.json"
    data.write_text("[]")
    with serving(data) as (address, _):
        yield address, data


def test_reads_the_endpoints_the_server_serves_now(served: tuple[str, Path]) -> None:
    address, data = served
    data.write_text(json.dumps([
        {"dnsName": "a.example.org", "targets": ["10.0.0.1"], "recordType": "A", "recordTTL": 60},
        {"dnsName": "a.example.org", "targets": ["10.0.0.2"], "recordType": "A", "recordTTL": 60},
    ]))
    result = asyncio.run(connectorfeed.poll(address))
    assert [(e.name, e.targets, e.ttl) for e in result.endpoints] == [("a.example.org", ("10.0.0.1", "10.0.0.2"), 60)]
    data.write_text("[]")
    assert asyncio.run(connectorfeed.poll(address)).endpoints == []


def test_a_server_that_is_down_is_unavailable_naming_it() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(connectorfeed.ConnectorUnavailable, match=f"127.0.0.1:{port}: cannot connect"):
        asyncio.run(connectorfeed.poll(f"127.0.0.1:{port}"))


def test_a_server_that_sends_garbage_or_nothing_is_unavailable() -> None:
    async def run(payload: bytes) -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(payload)
            await writer.drain()
            writer.close()
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            await connectorfeed.poll(f"127.0.0.1:{port}")

    with pytest.raises(connectorfeed.ConnectorUnavailable, match="before a value"):
        asyncio.run(run(b""))
    with pytest.raises(connectorfeed.ConnectorUnavailable, match="a message of"):
        asyncio.run(run(bytes([0xFC, 0x7F, 0xFF, 0xFF, 0xFF])))
