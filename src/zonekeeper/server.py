"""The HTTP endpoints on `--metrics-address`: `/metrics`, `/healthz`, `/readyz` (docs/metrics.md).

`start` serves them on the running event loop (the live controller's own: a blocked loop then
fails its probes, as it should); `start_in_thread` runs a private loop for the synchronous
`run --from-file` loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from zonekeeper.health import Health, Verdict

log = logging.getLogger("zonekeeper.server")


def parse_address(address: str) -> tuple[str, int]:
    """`host:port`, `:port` (every interface) or `[v6]:port`, as Go's net.Listen takes them."""
    host, sep, port_text = address.strip().rpartition(":")
    if not sep or not port_text.isdigit() or int(port_text) > 65535:
        raise ValueError(f"--metrics-address {address!r} must be host:port or :port")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError(f"--metrics-address {address!r}: write IPv6 addresses in brackets, [::1]:7979")
    return host, int(port_text)


def _listen(address: str) -> socket.socket:
    host, port = parse_address(address)
    if not host and socket.has_dualstack_ipv6():
        return socket.create_server(("::", port), family=socket.AF_INET6, dualstack_ipv6=True)
    if not host:
        return socket.create_server(("0.0.0.0", port))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family)


def _app(registry: Any, health: Health) -> Any:
    from aiohttp import web
    from prometheus_client.exposition import choose_encoder

    async def metrics(request: web.Request) -> web.Response:
        # The Prometheus text format, or OpenMetrics when the scraper asks for it.
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encode(registry), headers={"Content-Type": content_type})

    def probe(check: Callable[[], Verdict]) -> Callable[[web.Request], Any]:
        async def handler(_: web.Request) -> web.Response:
            verdict = check()
            return web.Response(status=200 if verdict.ok else 503, text=verdict.reason + "\n")

        return handler

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", probe(health.liveness))
    app.router.add_get("/readyz", probe(health.readiness))
    return app


class Server:
    def __init__(self, runner: Any, sock: socket.socket) -> None:
        self._runner = runner
        host, port = sock.getsockname()[:2]
        self.url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"

    async def close(self) -> None:
        await self._runner.cleanup()


async def start(address: str, registry: Any, health: Health) -> Server:
    """Serve on the running loop. Raises OSError when the address cannot be bound."""
    from aiohttp import web

    sock = _listen(address)
    runner = web.AppRunner(_app(registry, health), access_log=None, handle_signals=False)
    try:
        await runner.setup()
        await web.SockSite(runner, sock).start()
    except BaseException:
        await runner.cleanup()
        sock.close()
        raise
    server = Server(runner, sock)
    log.info("serving /metrics, /healthz and /readyz on %s", server.url)
    return server


class ThreadedServer:
    """`start` on a private event loop in a daemon thread."""

    def __init__(self, address: str, registry: Any, health: Health) -> None:
        self._loop = asyncio.new_event_loop()
        self._stopped: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.url = ""
        self._thread = threading.Thread(target=self._run, args=(address, registry, health),
                                        name="zonekeeper-http", daemon=True)

    def _run(self, address: str, registry: Any, health: Health) -> None:
        async def main() -> None:
            self._stopped = asyncio.Event()
            try:
                server = await start(address, registry, health)
            except BaseException as exc:
                self._error = exc
                self._ready.set()
                return
            self.url = server.url
            self._ready.set()
            try:
                await self._stopped.wait()
            finally:
                await server.close()

        self._loop.run_until_complete(main())
        self._loop.close()

    def start(self) -> ThreadedServer:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self._stopped is not None and self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop closed in the meantime
                self._loop.call_soon_threadsafe(self._stopped.set)
            self._thread.join(timeout=5)


def start_in_thread(address: str, registry: Any, health: Health) -> ThreadedServer:
    return ThreadedServer(address, registry, health).start()
