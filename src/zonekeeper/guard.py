"""The mass-deletion guard: how many deletions a zone may take. Pure: plain data in, plain data out,
the time passed in.

Deletions are weighed cumulatively, per zone, over a sliding window (`--max-delete-window`): those
applied within the window plus those a pass asks for must stay within `--max-delete-fraction` of the
records we owned at the start of the window (the most we owned at any time within it, so a burst of
creates followed by their deletes is not counted against a smaller zone), or within a small floor.
One pass at a time would not do: the informers deliver a mass deletion as a stream of events, and
each debounced pass alone looks small (1,000 Services deleted at once arrived as dozens of passes).

A pass that would exceed the budget trips the guard. From then on every deletion in the zone is
held, whatever its size, while creates and updates go on, until either
- a full pass finds nothing left to delete there (the objects came back, the source was fixed): the
  guard releases by itself; or
- the operator confirms: zonekeeper restarted with a higher `--max-delete-fraction` starts a new
  window (docs/troubleshooting.md). State lives in memory only, so any restart starts afresh; the
  first pass after it is weighed against what is left, which still refuses a mass deletion.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

from zonekeeper.endpoint import Key


@dataclass(slots=True, frozen=True)
class GuardLimits:
    fraction: float = 1.0
    # Deleting this many records is always allowed: a zone of three records may lose two.
    floor: int = 5
    window: float = 3600.0


@dataclass(slots=True, frozen=True)
class Trip:
    at: float  # when the guard tripped (the caller's clock)
    baseline: int  # records owned, the yardstick, at that moment
    deleted: int  # deletions already applied within the window
    wanted: int  # deletions the tripping pass asked for
    limit: float  # the most the window allowed


@dataclass(slots=True, frozen=True)
class ZoneGuard:
    """What the guard remembers about one zone."""

    owned: tuple[tuple[float, int], ...] = ()  # (time, records owned) as passes saw it, oldest first
    deleted: tuple[tuple[float, int], ...] = ()  # (time, deletions applied)
    trip: Trip | None = None
    held: frozenset[Key] = frozenset()  # deletions held since the trip (as far as passes saw them)


@dataclass(slots=True, frozen=True)
class Decision:
    allow: bool  # may this pass's deletions be applied
    state: ZoneGuard
    baseline: int
    deleted: int  # deletions applied within the window before this pass
    limit: float
    tripped: bool = False  # tripped by this pass
    released: bool = False  # the trip ended with this pass


def _prune(state: ZoneGuard, limits: GuardLimits, now: float) -> ZoneGuard:
    cut = now - limits.window
    owned = state.owned
    # Keep the last sample before the cut: it is what we owned when the window opened.
    first = 0
    while first + 1 < len(owned) and owned[first + 1][0] <= cut:
        first += 1
    return replace(state, owned=owned[first:], deleted=tuple(d for d in state.deleted if d[0] > cut))


def decide(state: ZoneGuard, limits: GuardLimits, now: float, owned: int, deletes: Collection[Key],
           names: Collection[str] | None = None) -> Decision:
    """Judge a pass that asks for `deletes` in a zone where we own `owned` records (before the pass).

    `names` are the names an incremental pass looked at (None: a full pass, which saw the whole zone).
    """
    state = _prune(state, limits, now)
    if not state.owned or state.owned[-1][1] != owned:
        state = replace(state, owned=(*state.owned, (now, owned)))
    baseline = max(count for _, count in state.owned)
    done = sum(count for _, count in state.deleted)
    limit = max(limits.fraction * baseline, float(limits.floor))

    if state.trip is not None:
        if names is None:
            held = frozenset(deletes)
        else:
            looked = set(names)
            held = frozenset(k for k in state.held if k.name not in looked) | frozenset(deletes)
        if names is None and not deletes:
            return Decision(True, replace(state, trip=None, held=frozenset()), baseline, done, limit, released=True)
        return Decision(False, replace(state, held=held), baseline, done, limit)

    if not deletes or done + len(deletes) <= limit:
        return Decision(True, state, baseline, done, limit)
    trip = Trip(now, baseline, done, len(deletes), limit)
    return Decision(False, replace(state, trip=trip, held=frozenset(deletes)), baseline, done, limit, tripped=True)


def record_deleted(state: ZoneGuard, now: float, count: int) -> ZoneGuard:
    """Remember deletions Route 53 accepted."""
    if count <= 0:
        return state
    owned = state.owned
    if owned:  # what we own from now on, so a later window starts from the right count
        owned = (*owned, (now, max(0, owned[-1][1] - count)))
    return replace(state, deleted=(*state.deleted, (now, count)), owned=owned)


def describe(zone: str, trip: Trip, limits: GuardLimits) -> str:
    """The trip, in words that stay the same while it lasts (logs repeat a message only hourly)."""
    return (
        f"mass-deletion guard: deletions in {zone} are held: {trip.deleted} records were deleted within "
        f"--max-delete-window={_duration(limits.window)} and {trip.wanted} more were asked for, more than "
        f"--max-delete-fraction={limits.fraction:g} of the {trip.baseline} records we own there; creates and "
        "updates go on. If the objects are gone by mistake, restore them and the guard releases by itself; "
        "if the deletions are intended, restart zonekeeper with a higher --max-delete-fraction "
        "(docs/troubleshooting.md#mass-deletion-guard)"
    )


def _duration(seconds: float) -> str:
    whole = int(seconds)
    if whole != seconds or whole < 60:
        return f"{seconds:g}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return "".join(f"{v}{u}" for v, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if v)
