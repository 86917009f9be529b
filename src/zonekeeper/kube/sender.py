"""What the background writers to the API (Events, status) share: a wake-up bound to the running
event loop, the send-until-cancelled loop around a writer's `flush`, and logging each kind of failure
once (then at debug, so a failing permission never floods the log)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable


class Wakeup:
    """An asyncio Event and the Lock that serialises flushes, made on first use in the running loop and
    made again when the loop changes (one-shot commands and tests run several loops in one process).
    `set` may be called from any thread."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._lock: asyncio.Lock | None = None

    def bind(self) -> tuple[asyncio.Event, asyncio.Lock]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._event is None or self._lock is None:
            self._loop, self._event, self._lock = loop, asyncio.Event(), asyncio.Lock()
        return self._event, self._lock

    def set(self) -> None:
        loop, event = self._loop, self._event
        if loop is None or event is None or loop.is_closed():
            return  # nothing runs yet; `forever` looks at the queue when it starts
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            event.set()
        else:
            loop.call_soon_threadsafe(event.set)

    async def forever(self, flush: Callable[[], Awaitable[None]]) -> None:
        """`flush`, then again at each `set`, until cancelled."""
        event, _ = self.bind()
        while True:
            await flush()
            await event.wait()
            event.clear()


class LogOnce:
    """Logs each key at its level the first time, at debug afterwards (`detail`, when given, then)."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._logged: set[tuple[object, ...]] = set()

    def __call__(self, key: tuple[object, ...], level: int, msg: str, *args: object, detail: str = "",
                 exc_info: bool = False) -> None:
        if key in self._logged:
            self._logger.debug(detail or msg, *(() if detail else args), exc_info=exc_info)
            return
        self._logged.add(key)
        self._logger.log(level, msg, *args, exc_info=exc_info)
