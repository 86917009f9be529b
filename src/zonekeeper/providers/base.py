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

    def extend(self, other: ApplyResult) -> None:
        self.applied.extend(other.applied)
        self.failed.extend(other.failed)
        self.requests += other.requests


class ProviderError(Exception):
    """A provider could not serve a request (network, permissions, throttling beyond retries).

    Raised inside a provider, caught per zone by the pipeline and reported for that zone only.
    """


class Provider(Protocol):
    name: str
    default_ttl: int
    # Checked right before every write (leader election's fencing); None: always allowed.
    fence: Callable[[], bool] | None

    def zones(self) -> list[Zone]:
        """The hosted zones this instance manages (after zone filters)."""
        ...

    def records(self, zone: Zone) -> list[Endpoint]:
        """Every record set of the zone, in canonical form (so it compares with adjusted endpoints)."""
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
