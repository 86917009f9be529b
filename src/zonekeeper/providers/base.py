"""The provider interface: a handful of methods, errors as values at the edge."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from zonekeeper.changes import Change, ChangeGroup
from zonekeeper.endpoint import Endpoint, Problem


@dataclass(slots=True, frozen=True)
class Zone:
    id: str
    name: str  # normalised: lower case, no trailing dot
    private: bool = False

    def contains(self, name: str) -> bool:
        return name == self.name or name.endswith("." + self.name)

    def __str__(self) -> str:
        kind = "private" if self.private else "public"
        return f"{self.name} ({self.id}, {kind})"


@dataclass(slots=True)
class ApplyResult:
    applied: list[Change] = field(default_factory=list)
    # Record changes that were refused, each with the provider's reason.
    failed: list[tuple[Change, str]] = field(default_factory=list)
    requests: int = 0
    # Names whose records were read again because Route 53 refused a change as made against records
    # that had changed meanwhile ("already exists", "not found"), and found different: plan them again.
    replan: set[str] = field(default_factory=set)

    def extend(self, other: ApplyResult) -> None:
        self.applied.extend(other.applied)
        self.failed.extend(other.failed)
        self.requests += other.requests
        self.replan |= other.replan


# Seconds a write started now may take and still be over while this replica certainly leads; a
# write is sent only when there is enough left, and its HTTP attempts are bounded by it.
WriteFence = Callable[[], float]

# How a change refused by the fence is reported.
NOT_LEADER = "not applied: this replica is no longer the leader"


@dataclass(slots=True, frozen=True)
class HttpRequest:
    """One HTTP attempt a provider made, as it was sent and answered (what external-dns's request
    duration summary is labelled with)."""

    scheme: str
    host: str
    path: str  # the URL's path, without the query
    method: str
    status: str  # the HTTP status code, or "unknown" when no answer came
    seconds: float


class CallMetrics(Protocol):
    """Where a provider reports its API calls (the live controller passes its Prometheus metrics;
    the default, `NO_CALL_METRICS`, drops them). A provider never imports Prometheus itself."""

    def observe_api_call(self, operation: str, outcome: str, account: str = "default") -> None: ...

    def observe_http_request(self, request: HttpRequest) -> None: ...

    # The requests/s an account's adaptive limiter allows now (after each change of it).
    def observe_api_rate(self, account: str, rate: float) -> None: ...


class _NoCallMetrics:
    def observe_api_call(self, operation: str, outcome: str, account: str = "default") -> None:
        pass

    def observe_http_request(self, request: HttpRequest) -> None:
        pass

    def observe_api_rate(self, account: str, rate: float) -> None:
        pass


NO_CALL_METRICS: CallMetrics = _NoCallMetrics()


class ProviderError(Exception):
    """A provider could not serve a request (network, permissions, throttling beyond retries).

    Raised inside a provider, caught per zone by the pipeline and reported for that zone only.
    """


class Provider(Protocol):
    name: str
    default_ttl: int
    # Asked right before every write (leader election's fencing); None: always allowed.
    fence: WriteFence | None
    # Where API calls are counted; the live controller sets it once it serves metrics.
    metrics: CallMetrics

    def zones(self) -> list[Zone]:
        """The hosted zones this instance manages (after zone filters)."""
        ...

    def zone_errors(self) -> list[str]:
        """Why zones may be missing from the last `zones()` answer: one message per part of the
        provider (an AWS account) that could not be listed while the others could; [] when all were."""
        ...

    def records(self, zone: Zone) -> list[Endpoint]:
        """Every record set of the zone, in canonical form (so it compares with adjusted endpoints)."""
        ...

    def generation(self, zone: Zone) -> int:
        """A number that changes whenever what `records(zone)` returns may have changed; readers keep
        state derived from the records (the registry's ownership labels) while it stays the same."""
        ...

    def invalidate(self, zone: Zone | None = None) -> None:
        """Forget what is cached of the zone's records (or every zone's): the next `records` reads them
        from the provider. Called when this replica becomes leader, as others may have written since."""
        ...

    def preload(self) -> None:
        """Read every zone's records now, if what is read is kept for the next `records` (the leader
        starting: it lists Route 53 while the informers list the cluster, not after them). Raises
        ProviderError when a zone cannot be read; `records` then tries again."""
        ...

    def adjust(self, zone: Zone, endpoints: Sequence[Endpoint]) -> tuple[list[Endpoint], list[Problem]]:
        """Desired endpoints for `zone` in the provider's canonical form (TTL defaults, alias
        conversion, provider-specific properties it supports); endpoints it cannot serve become
        Problems."""
        ...

    def apply(self, zone: Zone, groups: Sequence[ChangeGroup]) -> ApplyResult:
        """Apply change groups to one zone; a group is applied whole or not at all. Refused groups
        are returned in `failed`, the rest is applied."""
        ...
