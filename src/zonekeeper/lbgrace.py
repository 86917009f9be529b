"""The load-balancer grace period: DNS survives a load balancer being re-provisioned. Pure.

When a Service's or an Ingress's `status.loadBalancer` empties (the old load balancer deleted, the new
one not ready yet), the object still asks for its names but has no targets for them, and a plain
plan would delete the records at once, taking the name down until the new load balancer is up
(external-dns #2677, #4914). Instead the records at those names are kept as they are for
`--load-balancer-grace-period`, reported as held, and then either updated to the new load balancer
(an UPDATE straight from the old alias to the new one, never absent) or, once the period is over,
deleted. An object deleted outright still loses its records at once, and a name the object no
longer asks for is not held: only records whose targets vanished are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from zonekeeper.annotations import Prefixes, has_targets
from zonekeeper.endpoint import Endpoint, Key
from zonekeeper.sources.common import dig, load_balancer_targets
from zonekeeper.sources.objects import INGRESSES, SERVICES, Obj

TARGETS_PENDING = "TargetsPending"
FLAG = "--load-balancer-grace-period"
# The kinds whose own status.loadBalancer gives their targets.
LOAD_BALANCED_KINDS = frozenset({SERVICES, INGRESSES})
# A documentation address (RFC 5737) standing in for the load balancer that is not there.
_PLACEHOLDER = "192.0.2.1"


@dataclass(slots=True, frozen=True)
class Hold:
    """The names one object asks for while its load-balancer status is empty."""

    resource: str  # the object's `resource` label (service/ns/name): only its own records are held
    names: frozenset[str]
    since: float
    until: float

    def active(self, now: float) -> bool:
        return now < self.until

    def describe(self, key: Key) -> str:
        # Stable for the whole hold: the controller repeats an identical message only once an hour.
        return (f"{key}: {self.resource} has no load-balancer address; its record keeps the old targets for up to "
                f"{_duration(self.until - self.since)} ({FLAG}) until a new load balancer is ready, "
                "then it is updated, or deleted when none comes")


def with_placeholder_address(kind: str, obj: Obj, prefixes: Prefixes) -> Obj | None:
    """`obj` as it would be with a load balancer, when its load-balancer status is empty (else None).

    The names a source publishes for this copy but not for the real object are exactly those that
    lost their targets, whatever the source's own rules for names are.
    """
    if kind not in LOAD_BALANCED_KINDS or load_balancer_targets(obj) or has_targets(obj, prefixes=prefixes):
        return None  # the status is not empty, or not where the targets come from
    if kind == SERVICES and dig(obj, "spec", "type") != "LoadBalancer":
        return None
    status = obj.get("status")
    status = dict(status) if isinstance(status, Mapping) else {}
    status["loadBalancer"] = {"ingress": [{"ip": _PLACEHOLDER}]}
    return {**obj, "status": status}


def waiting_names(actual: Iterable[Endpoint], placeholder: Iterable[Endpoint]) -> frozenset[str]:
    """Names published with the placeholder load balancer but not without."""
    return frozenset(e.name for e in placeholder) - {e.name for e in actual}


def hold_for(previous: Hold | None, *, resource: str, waiting: Iterable[str], now: float, grace: float) -> Hold | None:
    """The hold of an object that still exists and asks for `waiting` names without targets.

    A hold starts when the names first lose their targets and keeps its deadline while they stay
    without; it ends (None) when they have targets again, or the object stops asking for them. An
    expired hold is kept, so that it does not start over while the status stays empty.
    """
    names = frozenset(waiting)
    if grace <= 0 or not names:
        return None
    if previous is None or previous.resource != resource:
        return Hold(resource, names, now, now + grace)
    return Hold(resource, names, previous.since, previous.until)


def kept(holds: Iterable[Hold], now: float) -> dict[tuple[str, str], Hold]:
    """(name, resource) → hold, for the holds still in their grace period."""
    return {(name, hold.resource): hold for hold in holds if hold.active(now) for name in hold.names}


def _duration(seconds: float) -> str:
    whole = round(seconds)
    minutes, secs = divmod(whole, 60)
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"
