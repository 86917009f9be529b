"""Work over every object without holding the event loop: a sweep goes through its keys in slices,
the loop free between slices, while passes go on.

Two things visit every object, and at 100,000 objects each held the loop for seconds, seconds in
which no event was planned (issue 12: event → DNS p99): telling each object of a full pass its status
(about 1 s), and the periodic safety net that recomputes every object's endpoints in case an event
was missed (several seconds). The controller runs both as sweeps. A key a later pass has dealt with
already is skipped (`done`): a status sweep must not replace a newer outcome with its older one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Final, Generic, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)

# Keys visited between two looks at the event loop by default: a few milliseconds of status questions
# (1,000 x 4 µs). A costlier visit takes a smaller size (the safety net's, controller.AUDIT_SLICE).
SLICE: Final = 1000


class Sweep(Generic[K]):
    """Visits `keys` (by `visit(key)`) in slices of `size`, in a task of the running event loop."""

    def __init__(self, keys: Sequence[K], visit: Callable[[K], None], *, size: int = SLICE,
                 pause: float = 0.0, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        """`pause`: seconds between slices (0: only a look at the loop), to spread a sweep's CPU out."""
        self._keys = keys
        self._visit = visit
        self._size = max(1, size)
        self._pause = pause
        self._sleep = sleep
        self._skip: set[K] = set()
        self._failed = False
        self.task: asyncio.Task[None] = asyncio.get_running_loop().create_task(self._run())

    def done(self, keys: Iterable[K]) -> None:
        """A later pass dealt with these keys: this sweep leaves them alone."""
        if not self.task.done():
            self._skip.update(keys)

    def cancel(self) -> None:
        self.task.cancel()

    async def _run(self) -> None:
        for start in range(0, len(self._keys), self._size):
            await self._sleep(self._pause if start else 0)
            for key in self._keys[start:start + self._size]:
                if key not in self._skip:
                    self._visit_one(key)

    def _visit_one(self, key: K) -> None:
        try:
            self._visit(key)
        except Exception:  # one object's bug must not leave the others unvisited
            if not self._failed:
                self._failed = True
                log.exception("a sweep failed at %s; it goes on with the others", key)


def visit_all(keys: Sequence[K], visit: Callable[[K], None], *, size: int = SLICE,
              pause: float = 0.0) -> Sweep[K] | None:
    """Visit `keys` now when they fit in one slice (None), else start a sweep of them."""
    if len(keys) > size:
        return Sweep(keys, visit, size=size, pause=pause)
    for key in keys:
        visit(key)
    return None
