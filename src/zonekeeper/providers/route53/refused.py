"""Groups Route 53 refused as stale, remembered so they are not sent again identical while the records
they were refused for still read the same: that request would only be refused again.
"""

from __future__ import annotations

from collections.abc import Callable

from zonekeeper.providers.route53.changes import Outgoing
from zonekeeper.providers.route53.records import Snapshot

# Refused groups remembered per provider (oldest forgotten first).
_LIMIT = 10_000

NOT_SENT_AGAIN = ("not sent again: Route 53 refused exactly this change, and the records it was refused for "
                  "have not changed since")


class RefusedMemory:
    def __init__(self, limit: int = _LIMIT) -> None:
        self._limit = limit
        # (zone id, the group's changes as sent) → what its records read when Route 53 refused it.
        self._seen: dict[tuple[str, str], Snapshot] = {}

    def remember(self, zone_id: str, group: Outgoing, snapshot: Snapshot | None) -> None:
        if snapshot is None:
            return
        self._seen[(zone_id, group.fingerprint)] = snapshot
        while len(self._seen) > self._limit:
            del self._seen[next(iter(self._seen))]

    def refused_again(self, zone_id: str, group: Outgoing, snapshot: Callable[[], Snapshot | None]) -> bool:
        """True when this very group was refused and its records (`snapshot()`) still read the same."""
        if not self._seen:
            return False  # the usual case, without working out a fingerprint
        key = (zone_id, group.fingerprint)
        seen = self._seen.get(key)
        if seen is None:
            return False
        if seen != snapshot():
            del self._seen[key]  # the records changed since: worth a try
            return False
        return True
