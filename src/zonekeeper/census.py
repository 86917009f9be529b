"""What one full pass saw, counted the way external-dns's controller counts it (pure).

external-dns exports, after each sync, the endpoints its sources produced and its registry read,
by record type, those present on both sides (`verified`), and the records that kept a create away
because another owner holds the name. zonekeeper computes the same numbers from a full pass's
plain data, so its `external_dns_*` gauges mean what external-dns's mean. Label values are lower
case: external-dns lower-cases every value it puts on these gauges.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from zonekeeper.endpoint import Endpoint, Key

# (record type, our owner id, the record's owner, the name's naked domain), as external-dns labels them.
MismatchKey = tuple[str, str, str, str]


@dataclass(slots=True, frozen=True)
class Census:
    source_by_type: Mapping[str, int] = field(default_factory=dict)
    registry_by_type: Mapping[str, int] = field(default_factory=dict)
    verified_by_type: Mapping[str, int] = field(default_factory=dict)
    owner_mismatch: Mapping[MismatchKey, int] = field(default_factory=dict)

    @property
    def source_total(self) -> int:
        return sum(self.source_by_type.values())

    @property
    def registry_total(self) -> int:
        return sum(self.registry_by_type.values())


def naked_domain(name: str) -> str:
    """external-dns's `GetNakedDomain`: the name without its first label, unless that would leave a
    single label (then the name itself). Keeps the mismatch gauge's cardinality at the apex level."""
    _, dot, rest = name.partition(".")
    return rest if dot and "." in rest else name


def take(desired: Sequence[Endpoint], records: Iterable[Sequence[Endpoint]], *, skipped: Iterable[Endpoint],
         owner_id: str) -> Census:
    """`desired`: every endpoint the sources produced; `records`: each zone's records as the registry
    returned them (ownership TXTs not among them); `skipped`: the foreign records that blocked a
    create, as the planner reported them."""
    current = [r for zone in records for r in zone]
    present = {(r.name, r.type) for r in current}
    mismatch: Counter[MismatchKey] = Counter()
    if owner_id:  # external-dns tracks ownership mismatches only with an owner id
        seen: set[Key] = set()
        for record in skipped:
            if record.key in seen:
                continue
            seen.add(record.key)
            mismatch[(record.type.lower(), owner_id.lower(), record.owner.lower(), naked_domain(record.name))] += 1
    return Census(
        source_by_type=dict(Counter(ep.type.lower() for ep in desired)),
        registry_by_type=dict(Counter(r.type.lower() for r in current)),
        verified_by_type=dict(Counter(ep.type.lower() for ep in desired if (ep.name, ep.type) in present)),
        owner_mismatch=dict(mismatch),
    )
