"""The I/O edge of the connector source: one TCP read of the remote server's gob value.

As external-dns v0.23.0 does at every Endpoints() call: dial (30 s timeout), read one gob value of
[]*endpoint.Endpoint, close. The bytes stop being read once the value is complete (sources/gob.complete)
or the server closes; more than `MAX_BYTES` is refused. The value is decoded and merged by the pure
modules (sources/gob.py, sources/connector.py). Any failure is a `ConnectorUnavailable` naming the
server: the caller must treat that source's pass as failed, never as "no endpoints".

`Feed` is what the controller keeps between passes: the last good read, used when a later read fails
(logged, naming the server); before any good read, a problem that holds every delete (manifests.UNREADABLE,
the same rule as an unreadable --from-file).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from zonekeeper.endpoint import Problem
from zonekeeper.manifests import UNREADABLE
from zonekeeper.settings.source import SourceSettings
from zonekeeper.sources import connector, gob
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.run import run_generated

log = logging.getLogger("zonekeeper")

DIAL_TIMEOUT = 30.0  # external-dns's dialTimeout
READ_TIMEOUT = 30.0  # external-dns has none (a silent server blocks its sync); zonekeeper gives up
MAX_BYTES = gob.MAX_MESSAGE + 64 * 1024  # one value message and its type definitions
_CHUNK = 64 * 1024


class ConnectorUnavailable(Exception):
    """The connector server could not be read; the message names it."""


def _split(server: str) -> tuple[str, int]:
    host, sep, port = server.rpartition(":")
    if not sep or not port.isdigit():
        raise ConnectorUnavailable(f"--connector-source-server {server!r}: want host:port")
    return host.strip("[]") or "localhost", int(port)


async def fetch(server: str, *, dial_timeout: float = DIAL_TIMEOUT, read_timeout: float = READ_TIMEOUT) -> bytes:
    """The bytes of the server's first gob value (type definitions included)."""
    host, port = _split(server)
    try:
        async with asyncio.timeout(dial_timeout):
            reader, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError) as exc:
        raise ConnectorUnavailable(f"connector server {server}: cannot connect: {exc or 'timed out'}") from exc
    try:
        async with asyncio.timeout(read_timeout):
            return await _read(reader, server)
    except TimeoutError as exc:
        raise ConnectorUnavailable(f"connector server {server}: no complete value within {read_timeout:g}s") from exc
    except (OSError, gob.GobError) as exc:
        raise ConnectorUnavailable(f"connector server {server}: {exc}") from exc
    finally:
        writer.close()


async def _read(reader: asyncio.StreamReader, server: str) -> bytes:
    data = bytearray()
    while True:
        chunk = await reader.read(_CHUNK)
        data += chunk
        end = gob.complete(bytes(data))
        if end is not None:
            return bytes(data[:end])
        if not chunk:
            raise ConnectorUnavailable(f"connector server {server}: closed after {len(data)} bytes, before a value")
        if len(data) > MAX_BYTES:
            raise ConnectorUnavailable(f"connector server {server}: more than {MAX_BYTES} bytes without a value")


async def poll(server: str, *, default_targets: bool = False) -> SourceResult:
    """The connector's endpoints now; ConnectorUnavailable when the server cannot be read or decoded."""
    data = await fetch(server)
    try:
        value = gob.decode(data)
    except gob.GobError as exc:
        raise ConnectorUnavailable(f"connector server {server}: {exc}") from exc
    return connector.endpoints(value, server, default_targets=default_targets)


async def read(server: str, config: SourceConfig) -> SourceResult:
    """`poll`, then external-dns's source wrappers (run_generated), its checks' problems kept."""
    got = await poll(server, default_targets=bool(config.default_targets))
    result = run_generated(got.endpoints, config)
    result.problems[:0] = got.problems
    return result


async def connected(settings: SourceSettings, config: SourceConfig) -> SourceResult | None:
    """One `read` of --connector-source-server with --source=connector (else None), for `plan` and
    --from-file runs; raises ConnectorUnavailable."""
    if connector.KIND not in settings.sources:
        return None
    return await read(settings.connector_source_server, config)


@dataclass(slots=True)
class Feed:
    """The connector as the controller polls it, once per full pass."""

    server: str
    last: SourceResult | None = None  # the last good read
    error: str | None = None  # why the latest read failed; None once it succeeded

    async def refresh(self, config: SourceConfig) -> SourceResult:
        try:
            self.last = await read(self.server, config)
            self.error = None
        except ConnectorUnavailable as exc:
            self.error = str(exc)
        if self.last is not None:
            if self.error is not None:  # before any good read, the problem below reports it
                log.error("connector source: %s; its last good endpoints are kept", self.error)
            return self.last
        return SourceResult([], [Problem(connector.subject(self.server), UNREADABLE,
                                         f"{self.error}; no record is deleted until it is read")])
