"""`--zone-id-filter`: which hosted zones are used, by id (external-dns's provider.ZoneIDFilter).

external-dns keeps a zone when its id as Route 53 lists it (`/hostedzone/Z1`) ends with one of the
filters, so `Z1`, `/hostedzone/Z1` and `hostedzone/Z1` all select zone Z1. No filter, or only an
empty one, keeps every zone.

Two choices of our own, both on the safe side (never more zones than asked for):
- an entry ending in `/` (`/hostedzone/Z1/`) can never match an id; external-dns silently keeps no
  zone, and an earlier zonekeeper kept every zone. It is refused at start-up (`problem`).
- an empty entry next to real ids is ignored; external-dns lets it match every zone, which would
  turn `--zone-id-filter=Z1 --zone-id-filter=` into "all zones".
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ZoneIDFilter"]

_PREFIX = "/hostedzone/"


@dataclass(slots=True, frozen=True)
class ZoneIDFilter:
    ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "ids", tuple(i for i in self.ids if i))

    @property
    def is_configured(self) -> bool:
        return bool(self.ids)

    def matches(self, zone_id: str) -> bool:
        """Whether the zone (bare id `Z1` or `/hostedzone/Z1`) is used."""
        if not self.ids:
            return True
        full = zone_id if zone_id.startswith(_PREFIX) else _PREFIX + zone_id
        return any(full.endswith(i) for i in self.ids)

    def problem(self) -> str | None:
        """Why the filter is refused at start-up, or None."""
        for i in self.ids:
            if i.endswith("/"):
                bare = i.rstrip("/").rsplit("/", 1)[-1]
                hint = f"; write it as {bare!r} or {_PREFIX + bare!r}" if bare else ""
                return (
                    f"--zone-id-filter {i!r} ends with '/', so it can match no hosted zone id "
                    f"(ids look like {_PREFIX}Z1EXAMPLE){hint}"
                )
        return None
