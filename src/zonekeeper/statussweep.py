"""Telling every object of a full pass its status without holding the event loop.

After a pass each object it planned says in its status whether its records are in Route 53
(zonekeeper.kube.status writes it). An event pass names a handful of objects; a full pass names
every one, and at 100,000 objects that took about a second of the event loop, a second in which no
event was planned (issue 12: event → DNS p99). So a full pass with more than `SLICE` objects tells
them in slices, the loop free between slices, while later passes go on. An object a later pass has
told already is skipped: its newer outcome must not be replaced by this older one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Final, Generic, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)

# Objects told between two looks at the event loop: about 1,000 x 4 µs, a few milliseconds.
SLICE: Final = 1000


class Sweep(Generic[K]):
    """Tells `keys` (by `tell(key)`) in slices of `size`, in a task of the running event loop."""

    def __init__(self, keys: Sequence[K], tell: Callable[[K], None], *, size: int = SLICE) -> None:
        self._keys = keys
        self._tell = tell
        self._size = max(1, size)
        self._skip: set[K] = set()
        self._failed = False
        self.task: asyncio.Task[None] = asyncio.get_running_loop().create_task(self._run())

    def told(self, keys: Iterable[K]) -> None:
        """A later pass told these objects: this sweep leaves them alone."""
        if not self.task.done():
            self._skip.update(keys)

    def cancel(self) -> None:
        self.task.cancel()

    async def _run(self) -> None:
        for start in range(0, len(self._keys), self._size):
            await asyncio.sleep(0)
            for key in self._keys[start:start + self._size]:
                if key not in self._skip:
                    self._tell_one(key)

    def _tell_one(self, key: K) -> None:
        try:
            self._tell(key)
        except Exception:  # one object's bug must not leave the others' statuses untold
            if not self._failed:
                self._failed = True
                log.exception("telling the status of %s failed; the sweep goes on", key)


def tell_all(keys: Sequence[K], tell: Callable[[K], None], *, size: int = SLICE) -> Sweep[K] | None:
    """Tell `keys` now when they fit in one slice (None), else start a sweep of them."""
    if len(keys) > size:
        return Sweep(keys, tell, size=size)
    for key in keys:
        tell(key)
    return None
