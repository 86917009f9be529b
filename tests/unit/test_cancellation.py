"""A stop must stop: a task cancelled in the same instant as the thing it awaits completes is still
cancelled.

Python 3.11's `asyncio.wait_for` loses exactly that cancellation (it returns the awaited result
instead; fixed in 3.12). An informer whose watch read had just received data when `stop()` cancelled it
then went on watching, and `stop()` waited for it for good. That is the likeliest cause of the compat
suite's istio/crd takeover hanging now and then in CI (a `zonekeeper run --once` that had just written a
DNSEndpoint's status, so its own watch had an event in flight at shutdown; not reproduced locally). Each case below puts the completion and the
cancel in one event-loop turn, which is the race made certain.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.base_protocol import BaseProtocol

from zonekeeper.config import Settings
from zonekeeper.controller import Controller
from zonekeeper.kube.client import KubeError, next_watch_chunk
from zonekeeper.kube.resources import RESOURCES
from zonekeeper.sources.objects import SERVICES, ObjectStore
from zonekeeper.wiring import build


class Store(ObjectStore):
    synced = True


@contextlib.asynccontextmanager
async def watch_stream() -> AsyncIterator[aiohttp.StreamReader]:
    """The reader a watch response reads from, on one end of a connected socket pair."""
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    transport, protocol = await loop.create_connection(lambda: BaseProtocol(loop), sock=ours)
    try:
        yield aiohttp.StreamReader(protocol, 2**16, loop=loop)
    finally:
        transport.close()
        theirs.close()


async def _cancelled_as_it_completes(task: asyncio.Task[Any], complete: Any) -> None:
    for _ in range(4):  # a few loop turns: the task is now waiting on what `complete` finishes
        await asyncio.sleep(0)
    complete()
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=5)
    assert done, "the task went on after it was cancelled"
    assert task.cancelled(), f"the cancellation was lost: the task returned {task.result()!r}"


def test_a_watch_read_cancelled_as_data_arrives_is_cancelled() -> None:
    async def scenario() -> None:
        async with watch_stream() as stream:
            task = asyncio.create_task(next_watch_chunk(stream, RESOURCES[SERVICES], 30.0))
            await _cancelled_as_it_completes(task, lambda: stream.feed_data(b'{"type":"MODIFIED"}\n'))

    asyncio.run(scenario())


def test_a_stalled_watch_read_is_reported_as_a_stall() -> None:
    async def scenario() -> None:
        async with watch_stream() as stream:
            with pytest.raises(KubeError, match=r"no data on the .* watch for 0s") as caught:
                await next_watch_chunk(stream, RESOURCES[SERVICES], 0.05)
            assert caught.value.reason == "WatchStalled"
            stream.feed_data(b"x\n")
            assert await next_watch_chunk(stream, RESOURCES[SERVICES], 0.05) == b"x\n"

    asyncio.run(scenario())


def test_the_controller_cancelled_as_it_is_woken_stops() -> None:
    async def scenario() -> None:
        settings = Settings.of(provider="inmemory", inmemory_zone=("example.com",), sources=("service",),
                               txt_owner_id="c", interval=3600.0)
        controller = Controller(build(settings), Store(), debounce=0)
        task = asyncio.create_task(controller.run())
        for _ in range(50):  # let the first pass finish, so that the task waits for a wake-up
            await asyncio.sleep(0.01)
        await _cancelled_as_it_completes(task, lambda: controller.on_change(SERVICES, "added", None, None))

    asyncio.run(scenario())
