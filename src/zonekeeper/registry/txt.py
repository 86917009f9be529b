"""The TXT registry: ownership kept in TXT records beside the records, as external-dns keeps it.

Reading: every TXT whose value says `heritage=external-dns` labels the record it names (new-format
names such as `a-app.example.com`, the legacy same-name format, and the pre-v0.22 `cname-` name of
an alias A). Ambiguous or foreign claims block the record instead of being guessed at.

Writing: each record change is joined by the matching TXT change in the same ChangeGroup, so a
record never exists without its ownership TXT. Records still owned through a legacy TXT are
rewritten once with a new-format TXT, and the legacy TXT goes when nothing depends on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from zonekeeper.changes import Action, Change, ChangeGroup, action_order, group_by_name
from zonekeeper.endpoint import ALIAS, EVALUATE_TARGET_HEALTH, OWNER_LABEL, RESOURCE_LABEL, Endpoint, Key, Problem
from zonekeeper.providers.base import ApplyResult, Provider, Zone
from zonekeeper.registry import labels
from zonekeeper.registry.base import ZoneState, reading_of
from zonekeeper.registry.labels import Labels
from zonekeeper.registry.mapper import TXTNameMapper
from zonekeeper.registry.noop import NoopRegistry

__all__ = ["NoopRegistry", "TXTRegistry", "ZoneState"]  # NoopRegistry, ZoneState: their former home

# Record types a TXT name can carry ownership for (as the mapper spells them).
_OWNED_TYPES = ("A", "AAAA", "CNAME", "NS", "MX", "SRV", "TXT", "PTR", "NAPTR", "CAA", "DNAME")
# Properties that describe an alias target; a TXT record cannot carry them.
_ALIAS_PROPERTIES = frozenset({ALIAS, EVALUATE_TARGET_HEALTH, "aws/target-hosted-zone"})


@dataclass(slots=True)
class _Claim:
    txt: Endpoint  # the TXT record set as it exists
    labels: Labels  # the value's labels (and, for a sealed value, its nonce)
    # Every owner the value names: one, or several when it repeats the owner label (ambiguous).
    owners: tuple[str, ...]

    @classmethod
    def of(cls, txt: Endpoint, value: Labels) -> _Claim:
        named = value.repeated.get(OWNER_LABEL)
        owners = tuple(dict.fromkeys(named)) if named else (value.get(OWNER_LABEL, ""),)
        return cls(txt, value, owners)


def _owners(found: Sequence[tuple[_Claim, str]]) -> list[str]:
    if len(found) == 1:  # the usual case, once per record of a zone
        return sorted(found[0][0].owners)
    return sorted({owner for claim, _ in found for owner in claim.owners})


def _contested(found: Sequence[tuple[_Claim, str]]) -> str:
    where = dict.fromkeys(
        f"{' and '.join(repr(o) for o in claim.owners)} in {'one value of ' if len(claim.owners) > 1 else ''}"
        f"{claim.txt.name}{f' ({kind})' if kind else ''}"
        for claim, kind in found
    )
    return (
        f"the TXT records claiming this record disagree (owners: {', '.join(_owners(found))}): "
        f"{'; '.join(where)}; it is left as it is until the wrong TXT records are removed"
    )


@dataclass(slots=True)
class _Index:
    """The TXT registry's own bookkeeping for one zone reading: what it needs to write TXT
    companions exactly. Never leaves this module."""

    # Our ownership claims in the new format, by the key of the record they own.
    ours: dict[Key, _Claim] = field(default_factory=dict)
    # Legacy TXTs (and the records that still rely on each), keyed by the TXT's own key.
    legacy_txts: dict[Key, Endpoint] = field(default_factory=dict)
    legacy_users: dict[Key, set[Key]] = field(default_factory=lambda: defaultdict(set))
    legacy_of: dict[Key, Key] = field(default_factory=dict)

    def adopt_legacy(self, txt: Endpoint, record: Key) -> None:
        """`record` is still owned through our legacy `txt`: it is migrated, and `txt` goes once
        nothing relies on it."""
        self.legacy_txts[txt.key] = txt
        self.legacy_users[txt.key].add(record)
        self.legacy_of[record] = txt.key


@dataclass(slots=True)
class _Draft:
    """A zone state being read."""

    index: _Index = field(default_factory=_Index)
    records: list[Endpoint] = field(default_factory=list)
    blocked: dict[Key, str] = field(default_factory=dict)
    contested: dict[Key, str] = field(default_factory=dict)
    force_update: set[Key] = field(default_factory=set)


@dataclass(slots=True, frozen=True)
class _Reading:
    state: ZoneState
    index: _Index


# Claims by (record name, record type, set identifier); the type is "" for the legacy format. Plain
# tuples: this is looked up several times for every record of a zone.
_Claims = dict[tuple[str, str, str], list[_Claim]]


@dataclass(slots=True)
class _Scan:
    """A zone's records sorted out: ownership claims, and the records they may concern."""

    claims: _Claims = field(default_factory=lambda: defaultdict(list))
    # TXT record sets holding text that is not (only) an ownership value, by (name, set identifier).
    foreign_txts: dict[tuple[str, str], Endpoint] = field(default_factory=dict)
    plain: list[Endpoint] = field(default_factory=list)  # every record but ownership TXTs
    ownership: list[Endpoint] = field(default_factory=list)  # TXTs holding an ownership value
    adopted: set[Key] = field(default_factory=set)  # TXTs of the --migrate-from-txt-owner owner


def _claims_on(record: Endpoint, claims: _Claims) -> list[tuple[_Claim, str]]:
    """Every claim on `record`, in every format read, the new format first, each with the name of
    its format ("" for the new one). All count: a record is ours only when every claim says so."""
    name, set_identifier = record.name, record.set_identifier
    found = [(c, "") for c in claims.get((name, record.type, set_identifier), ())]
    if record.type == "A" and record.is_alias:
        found += [(c, "pre-v0.22 alias format") for c in claims.get((name, "CNAME", set_identifier), ())]
    if record.type != "AAAA":
        found += [(c, "legacy format") for c in claims.get((name, "", set_identifier), ())]
    return found


def _claimed_slots(
    name: str, rtype: str, set_identifier: str, occupied: set[tuple[str, str]]
) -> list[tuple[str, str, str]]:
    """The record slots a claim covers ("" type: the legacy format) that are not judged record by
    record: a legacy claim on a name whose records exist covers nothing more."""
    if rtype:
        return [(name, rtype, set_identifier)]
    if (name, set_identifier) in occupied:
        return []
    # A legacy claim covers every type at its name (AAAA excepted, as external-dns reads it).
    return [(name, t, set_identifier) for t in _OWNED_TYPES if t not in ("AAAA", "TXT")]


def _foreign_txt(txt_name: str, foreign: Endpoint) -> str:
    return (
        f"the TXT name {txt_name} holds a TXT record that is not a zonekeeper/external-dns "
        f"ownership record ({', '.join(foreign.targets)[:120]})"
    )


class TXTRegistry:
    def __init__(
        self,
        provider: Provider,
        owner_id: str,
        mapper: TXTNameMapper | None = None,
        encryption_key: bytes | None = None,
        *,
        seal: bool | None = None,
        old_owner_id: str = "",
    ) -> None:
        if not owner_id:
            raise ValueError("the TXT registry needs an owner id (--txt-owner-id)")
        self.provider = provider
        self.owner_id = owner_id
        # --migrate-from-txt-owner: claims of this owner are read as ours, and their TXTs rewritten.
        self.old_owner_id = old_owner_id if old_owner_id != owner_id else ""
        self.mapper = mapper or TXTNameMapper()
        self.encryption_key = encryption_key
        # The last full reading of each zone, valid while the provider's generation is unchanged.
        self._cache: dict[str, tuple[int, _Reading]] = {}
        # The last reading of each zone (full or not): what `apply` writes TXT companions from.
        self._last: dict[str, _Reading] = {}
        # As external-dns: a key alone lets us read sealed values (migrating away from encryption);
        # values are sealed only when encryption is enabled.
        self.seal = encryption_key is not None if seal is None else seal and encryption_key is not None

    # -- reading -------------------------------------------------------------------------------

    def _decode(self, value: str) -> Labels | None:
        return labels.parse(value, aes_key=self.encryption_key)

    def _claim_value(self, value: Labels) -> tuple[Labels, bool]:
        """The value as read, and whether it is the old owner's (--migrate-from-txt-owner): then it
        reads as ours, so its record is adopted as it is and only its TXT is rewritten."""
        if self.old_owner_id and value.get(OWNER_LABEL) == self.old_owner_id and OWNER_LABEL not in value.repeated:
            value[OWNER_LABEL] = self.owner_id
            return value, True
        return value, False

    def _txt_names(self, names: Collection[str]) -> set[str]:
        """Every TXT name that can carry ownership of a record at one of `names`."""
        out: set[str] = set(names)
        for name in names:
            out.add(self.mapper.to_legacy_txt_name(name))
            for record_type in _OWNED_TYPES:
                out.add(self.mapper.to_txt_name(name, record_type))
        return out

    def records(self, zone: Zone, names: Collection[str] | None = None) -> ZoneState:
        """The zone's records with ownership labels. With `names`, only what concerns those names
        (their records and every TXT that may own them): an incremental pass over a few names must
        not decode the ownership of a whole zone."""
        provider_records = self.provider.records(zone)
        stamp = self.provider.generation(zone) if names is None else None
        cached = self._cache.get(zone.id)
        if stamp is not None and cached is not None and cached[0] == stamp:
            reading = cached[1]  # nothing changed in the zone since: the labels are the same
        else:
            wanted = None if names is None else set(names) | self._txt_names(names)
            reading = self._read(zone, self._scan(provider_records, wanted))
            if stamp is not None:
                self._cache[zone.id] = (stamp, reading)
        self._last[zone.id] = reading
        return reading.state

    def _scan(self, provider_records: Iterable[Endpoint], wanted: set[str] | None) -> _Scan:
        scan = _Scan()
        for record in provider_records:
            if wanted is not None and record.name not in wanted:
                continue
            if record.type != "TXT":
                scan.plain.append(record)
                continue
            decoded = [self._decode(v) for v in record.targets]
            owned_values = [d for d in decoded if d is not None]
            if not owned_values:
                scan.plain.append(record)  # a TXT record like any other (managed with --managed-record-types)
                scan.foreign_txts[(record.name, record.set_identifier)] = record
                continue
            if len(owned_values) != len(decoded):
                # Our heritage value shares the record set with someone else's text: do not guess.
                scan.foreign_txts[(record.name, record.set_identifier)] = record
            # An ownership TXT is never a managed record: it stays visible, so that nothing is created
            # over it, but is never labelled, so that nothing updates or deletes it as a record.
            scan.ownership.append(record)
            mapped = self.mapper.to_endpoint_name(record.name)
            if mapped is None:
                continue
            slot = (mapped[0], mapped[1], record.set_identifier)
            for value in owned_values:
                value, adopted = self._claim_value(value)
                scan.claims[slot].append(_Claim.of(record, value))
                if adopted:
                    scan.adopted.add(record.key)
        return scan

    def _read(self, zone: Zone, scan: _Scan) -> _Reading:
        draft = _Draft()
        # Our new-format TXTs, whether or not their record still exists: a record that comes back
        # must reuse (update) its TXT rather than fail to create it.
        for slot, key_claims in scan.claims.items():
            if slot[1] and len(key_claims) == 1 and key_claims[0].owners == (self.owner_id,):
                draft.index.ours[Key(*slot)] = key_claims[0]
        for record in scan.plain:
            draft.records.append(self._label(record, scan, draft))
        draft.records.extend(scan.ownership)
        self._block_claimed_names(scan, draft)
        # A foreign TXT where our TXT would go blocks the record even before it exists: writing our
        # TXT there would fail, or worse, overwrite someone's text.
        for (txt_name, set_identifier), foreign in scan.foreign_txts.items():
            mapped = self.mapper.to_endpoint_name(txt_name)
            if mapped is not None and mapped[1]:
                draft.blocked.setdefault(Key(mapped[0], mapped[1], set_identifier), _foreign_txt(txt_name, foreign))
        state = ZoneState(
            zone,
            records=draft.records,
            blocked=draft.blocked,
            contested=draft.contested,
            force_update=frozenset(draft.force_update),
            owned_count=sum(1 for r in draft.records if r.owner == self.owner_id),
            ownership=frozenset(r.key for r in scan.ownership),
        )
        return _Reading(state, draft.index)

    def _label(self, record: Endpoint, scan: _Scan, draft: _Draft) -> Endpoint:
        key = record.key
        found = _claims_on(record, scan.claims)

        txt_name = self.mapper.to_txt_name(record.name, record.type)
        foreign = scan.foreign_txts.get((txt_name, record.set_identifier))
        if foreign is not None:
            draft.blocked[key] = _foreign_txt(txt_name, foreign)
        owners = _owners(found)
        if len(owners) > 1:
            draft.blocked[key] = _contested(found)
            if self.owner_id in owners:
                resource = next((c.labels.get(RESOURCE_LABEL, "") for c, _ in found
                                 if self.owner_id in c.owners), "")
                draft.contested[key] = resource or str(key)
            return record
        if not found:
            return record

        claim, kind = found[0]
        if claim.txt.key in scan.adopted and not kind:
            draft.force_update.add(key)  # the old owner's: its TXT is rewritten with our owner id
        if kind and claim.labels.get(OWNER_LABEL) == self.owner_id:
            # Ours through a legacy claim: rewritten once, with a new-format TXT.
            draft.index.adopt_legacy(claim.txt, key)
            draft.force_update.add(key)
        return record.with_labels(**claim.labels)

    def _block_claimed_names(self, scan: _Scan, draft: _Draft) -> None:
        """Block records that do not exist yet but that another owner claims: created, they would be
        claimed twice (or our TXT could not be written beside theirs)."""
        ours = (self.owner_id,)
        foreign = [(slot, found) for slot, found in scan.claims.items() if any(c.owners != ours for c in found)]
        if not foreign:
            return
        existing = {(r.name, r.type, r.set_identifier) for r in scan.plain}
        occupied = {(n, i) for n, _, i in existing}
        for (name, rtype, set_identifier), key_claims in foreign:
            missing = [slot for slot in _claimed_slots(name, rtype, set_identifier, occupied) if slot not in existing]
            if not missing:
                continue
            owners = ", ".join(f"'{o}'" for o in _owners([(c, "") for c in key_claims]))
            reason = (
                f"{', '.join(sorted({c.txt.name for c in key_claims}))} already claims this name for {owners}; "
                "remove that TXT record if its owner no longer uses the name"
            )
            for slot in missing:
                draft.blocked.setdefault(Key(*slot), reason)

    # -- checking ------------------------------------------------------------------------------

    def check_desired(
        self, zone: Zone, endpoints: Sequence[Endpoint]
    ) -> tuple[list[Endpoint], list[Problem]]:
        """Drop endpoints whose ownership TXT could not be written (label too long, name outside
        the zone): creating them would leave records nobody owns. Drop TXT endpoints whose value is
        an ownership value: written as a record, it would claim records for whoever wrote it."""
        ok: list[Endpoint] = []
        problems: list[Problem] = []
        for endpoint in endpoints:
            reserved = labels.reserved_value(endpoint, aes_key=self.encryption_key)
            if reserved is not None:
                problems.append(reserved)
                continue
            reason = self.mapper.txt_name_problem(endpoint.name, endpoint.type, zone.name)
            if reason is None:
                ok.append(endpoint)
            else:
                problems.append(
                    Problem(endpoint.subject, "TXTNameInvalid", f"{endpoint.key}: {reason}")
                )
        return ok, problems

    # -- writing -------------------------------------------------------------------------------

    def _index(self, state: ZoneState) -> _Index:
        full = self._cache.get(state.zone.id)
        return reading_of(state, self._last.get(state.zone.id), full[1] if full is not None else None).index

    def _txt_for(self, zone: Zone, record: Endpoint, previous: _Claim | None) -> Endpoint:
        record_labels = dict(record.labels)
        record_labels[OWNER_LABEL] = self.owner_id
        text = labels.serialize(
            record_labels,
            aes_key=self.encryption_key if self.seal else None,
            # The nonce of the value replaced: the same labels then give the very same value.
            nonce=previous.labels.nonce if previous is not None else None,
        )
        props = {k: v for k, v in record.provider_specific if k not in _ALIAS_PROPERTIES}
        txt = Endpoint.new(
            self.mapper.to_txt_name(record.name, record.type),
            "TXT",
            [text],
            set_identifier=record.set_identifier,
            provider_specific=props,
        )
        adjusted, _ = self.provider.adjust(zone, [txt])
        return adjusted[0] if adjusted else txt

    def companions(self, state: ZoneState, changes: Iterable[Change]) -> list[ChangeGroup]:
        """The change groups to send: each record change with its TXT changes."""
        index = self._index(state)
        groups = group_by_name(changes)
        changed_keys = {c.key for c in changes if c.action is not Action.DELETE}
        deleted_keys = {c.key for c in changes if c.action is Action.DELETE}
        for group in groups:
            extra: list[Change] = []
            for change in group.records:
                extra.extend(self._txt_changes(state.zone, index, change, changed_keys | deleted_keys))
            group.changes.extend(extra)
            group.changes.sort(key=action_order)
        return groups

    def _txt_changes(self, zone: Zone, index: _Index, change: Change, touched: set[Key]) -> list[Change]:
        key = change.key
        existing = index.ours.get(key)
        out: list[Change] = []
        if change.action is Action.DELETE:
            if existing is not None:
                out.append(Change.delete(existing.txt))
        else:
            assert change.new is not None
            wanted = self._txt_for(zone, change.new, existing)
            if existing is None:
                out.append(Change.create(wanted))
            elif not existing.txt.same_record(wanted):
                out.append(Change.update(existing.txt, wanted))
        legacy_key = index.legacy_of.get(key)
        if legacy_key is not None:
            users = index.legacy_users[legacy_key]
            # Last user migrated or gone: the legacy TXT has no more purpose.
            if users <= touched and users and key == min(users):
                out.append(Change.delete(index.legacy_txts[legacy_key]))
        return out

    def apply(self, state: ZoneState, changes: Sequence[Change]) -> ApplyResult:
        groups = self.companions(state, changes)
        result = ApplyResult()
        for group in groups:
            # A rewrite of a record whose data is unchanged (a forced update: ownership moved to a
            # new TXT) is its TXT changes alone: the record itself is not churned.
            group.changes = [c for c in group.changes if not _unchanged_record(c, group)]
            if not group.changes:
                result.applied.extend(group.records)
        result.extend(self.provider.apply(state.zone, [g for g in groups if g.changes]))
        return result


def _unchanged_record(change: Change, group: ChangeGroup) -> bool:
    return (change.action is Action.UPDATE and change.old is not None and change.new is not None
            and change in group.records and change.old.same_record(change.new))
