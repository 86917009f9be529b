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
from zonekeeper.endpoint import (
    ALIAS,
    EVALUATE_TARGET_HEALTH,
    OWNER_LABEL,
    RESOURCE_LABEL,
    TXT_NONCE_LABEL,
    Endpoint,
    Key,
    Problem,
)
from zonekeeper.plan import FORCE_UPDATE_LABEL
from zonekeeper.providers.base import ApplyResult, Provider, Zone
from zonekeeper.registry import crypto, labels
from zonekeeper.registry.labels import Labels
from zonekeeper.registry.mapper import TXTNameMapper

# Record types a TXT name can carry ownership for (as the mapper spells them).
_OWNED_TYPES = ("A", "AAAA", "CNAME", "NS", "MX", "SRV", "TXT", "PTR", "NAPTR", "CAA", "DNAME")
# Labels that live only in memory and never reach a TXT value.
_INTERNAL_LABELS = frozenset({FORCE_UPDATE_LABEL, TXT_NONCE_LABEL})
# Properties that describe an alias target; a TXT record cannot carry them.
_ALIAS_PROPERTIES = frozenset({ALIAS, EVALUATE_TARGET_HEALTH, "aws/target-hosted-zone"})


@dataclass(slots=True)
class _Claim:
    txt: Endpoint  # the TXT record set as it exists
    labels: dict[str, str]
    legacy: bool
    # Every owner the value names: one, or several when it repeats the owner label (ambiguous).
    owners: tuple[str, ...]

    @classmethod
    def of(cls, txt: Endpoint, value: Labels, legacy: bool) -> _Claim:
        named = value.repeated.get(OWNER_LABEL)
        owners = tuple(dict.fromkeys(named)) if named else (value.get(OWNER_LABEL, ""),)
        return cls(txt, value, legacy, owners)


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
class ZoneState:
    """What the registry learnt about one zone: records with ownership labels, and what it needs
    later to write TXT companions exactly."""

    zone: Zone
    records: list[Endpoint] = field(default_factory=list)
    blocked: dict[Key, str] = field(default_factory=dict)
    # The blocked records we hold a claim on, with the subject (our claim's resource) to report under.
    contested: dict[Key, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Our ownership TXTs in the new format, by the key of the record they own.
    txt_by_key: dict[Key, Endpoint] = field(default_factory=dict)
    # Legacy TXTs (and the records that still rely on each), keyed by the TXT's own key.
    legacy_txts: dict[Key, Endpoint] = field(default_factory=dict)
    legacy_users: dict[Key, set[Key]] = field(default_factory=lambda: defaultdict(set))
    legacy_of: dict[Key, Key] = field(default_factory=dict)

    @property
    def owned_count(self) -> int:
        return sum(1 for r in self.records if r.label(OWNER_LABEL))


# Claims by (record name, record type, set identifier); the type is "" for the legacy format. Plain
# tuples: this is looked up several times for every record of a zone.
_Claims = dict[tuple[str, str, str], list[_Claim]]


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


def _foreign_txt(txt_name: str, foreign: Endpoint) -> str:
    return (
        f"the TXT name {txt_name} holds a TXT record that is not a zonekeeper/external-dns "
        f"ownership record ({', '.join(foreign.targets)[:120]})"
    )


class NoopRegistry:
    """No ownership records at all: every record in a managed zone counts as ours (external-dns's
    `--registry=noop`; with `--policy=sync` it deletes whatever is not desired)."""

    owner_id = ""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider

    def records(self, zone: Zone, names: Collection[str] | None = None) -> ZoneState:
        records = self.provider.records(zone)
        if names is not None:
            records = [r for r in records if r.name in names]
        return ZoneState(zone, records=records)

    def check_desired(self, zone: Zone, endpoints: Sequence[Endpoint]) -> tuple[list[Endpoint], list[Problem]]:
        return list(endpoints), []

    def apply(self, state: ZoneState, changes: Sequence[Change]) -> ApplyResult:
        return self.provider.apply(state.zone, group_by_name(changes))


class TXTRegistry:
    def __init__(
        self,
        provider: Provider,
        owner_id: str,
        mapper: TXTNameMapper | None = None,
        encryption_key: bytes | None = None,
        *,
        seal: bool | None = None,
    ) -> None:
        if not owner_id:
            raise ValueError("the TXT registry needs an owner id (--txt-owner-id)")
        self.provider = provider
        self.owner_id = owner_id
        self.mapper = mapper or TXTNameMapper()
        self.encryption_key = encryption_key
        # The last full reading of each zone, valid while the provider's generation is unchanged.
        self._states: dict[str, tuple[int, ZoneState]] = {}
        # As external-dns: a key alone lets us read sealed values (migrating away from encryption);
        # values are sealed only when encryption is enabled.
        self.seal = encryption_key is not None if seal is None else seal and encryption_key is not None

    # -- reading -------------------------------------------------------------------------------

    def _decode(self, value: str) -> Labels | None:
        if self.encryption_key is not None and not value.startswith('"heritage='):
            decrypted = crypto.decrypt(value.strip('"'), self.encryption_key)
            if decrypted is not None:
                plaintext, nonce = decrypted
                parsed = labels.parse(plaintext)
                if parsed is not None:
                    parsed[TXT_NONCE_LABEL] = crypto.encode_nonce(nonce)
                    return parsed
        return labels.parse(value)

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
        generation = getattr(self.provider, "generation", None)
        stamp = generation(zone) if generation is not None and names is None else None
        cached = self._states.get(zone.id)
        if stamp is not None and cached is not None and cached[0] == stamp:
            return cached[1]  # nothing changed in the zone since: the labels are the same
        state = ZoneState(zone)
        wanted = None if names is None else set(names) | self._txt_names(names)
        claims: _Claims = defaultdict(list)
        foreign_txt_names: dict[tuple[str, str], Endpoint] = {}
        plain: list[Endpoint] = []
        ownership: list[Endpoint] = []

        for record in provider_records:
            if wanted is not None and record.name not in wanted:
                continue
            if record.type != "TXT":
                plain.append(record)
                continue
            decoded = [self._decode(v) for v in record.targets]
            owned_values = [d for d in decoded if d is not None]
            if not owned_values:
                plain.append(record)  # a TXT record like any other (managed with --managed-record-types)
                foreign_txt_names[(record.name, record.set_identifier)] = record
                continue
            if len(owned_values) != len(decoded):
                # Our heritage value shares the record set with someone else's text: do not guess.
                foreign_txt_names[(record.name, record.set_identifier)] = record
            # An ownership TXT is never a managed record: it stays visible, so that nothing is created
            # over it, but is never labelled, so that nothing updates or deletes it as a record.
            ownership.append(record)
            mapped = self.mapper.to_endpoint_name(record.name)
            if mapped is None:
                continue
            name, rtype = mapped
            slot = (name, rtype, record.set_identifier)
            for value_labels in owned_values:
                claims[slot].append(_Claim.of(record, value_labels, legacy=(rtype == "")))

        # Our new-format TXTs, whether or not their record still exists: a record that comes back
        # must reuse (update) its TXT rather than fail to create it.
        for slot, key_claims in claims.items():
            if slot[1] and len(key_claims) == 1 and key_claims[0].owners == (self.owner_id,):
                state.txt_by_key[Key(*slot)] = key_claims[0].txt
        for record in plain:
            state.records.append(self._label(record, claims, foreign_txt_names, state))
        state.records.extend(ownership)
        self._block_claimed_names(claims, plain, state)
        # A foreign TXT where our TXT would go blocks the record even before it exists: writing our
        # TXT there would fail, or worse, overwrite someone's text.
        for (txt_name, set_identifier), foreign in foreign_txt_names.items():
            mapped = self.mapper.to_endpoint_name(txt_name)
            if mapped is not None and mapped[1]:
                state.blocked.setdefault(Key(mapped[0], mapped[1], set_identifier), _foreign_txt(txt_name, foreign))
        if stamp is not None:
            self._states[zone.id] = (stamp, state)
        return state

    def _label(
        self,
        record: Endpoint,
        claims: _Claims,
        foreign_txt_names: dict[tuple[str, str], Endpoint],
        state: ZoneState,
    ) -> Endpoint:
        key = record.key
        found = _claims_on(record, claims)

        txt_name = self.mapper.to_txt_name(record.name, record.type)
        foreign = foreign_txt_names.get((txt_name, record.set_identifier))
        if foreign is not None:
            state.blocked[key] = _foreign_txt(txt_name, foreign)
        owners = _owners(found)
        if len(owners) > 1:
            reason = _contested(found)
            state.blocked[key] = reason
            if self.owner_id in owners:
                resource = next((c.labels.get(RESOURCE_LABEL, "") for c, _ in found
                                 if self.owner_id in c.owners), "")
                state.contested[key] = resource or str(key)
            return record
        if not found:
            return record

        claim, kind = found[0]
        legacy = bool(kind)
        labelled = record.with_labels(**claim.labels)
        if claim.labels.get(OWNER_LABEL) == self.owner_id and legacy:
            txt_key = claim.txt.key
            state.legacy_txts[txt_key] = claim.txt
            state.legacy_users[txt_key].add(key)
            state.legacy_of[key] = txt_key
            labelled = labelled.with_labels(**{FORCE_UPDATE_LABEL: "true"})
        return labelled

    def _block_claimed_names(self, claims: _Claims, plain: Sequence[Endpoint], state: ZoneState) -> None:
        """Block records that do not exist yet but that another owner claims: created, they would be
        claimed twice (or our TXT could not be written beside theirs)."""
        ours = (self.owner_id,)
        foreign = [(slot, found) for slot, found in claims.items()
                   if len(found) != 1 or found[0].owners != ours]
        if not foreign:
            return
        existing = {(r.name, r.type, r.set_identifier) for r in plain}
        occupied: set[tuple[str, str]] | None = None
        for (name, rtype, set_identifier), key_claims in foreign:
            if all(c.owners == ours for c in key_claims):
                continue
            if rtype:
                slots = [(name, rtype, set_identifier)]
            else:
                if occupied is None:
                    occupied = {(n, i) for n, _, i in existing}
                if (name, set_identifier) in occupied:
                    continue  # the records at the name exist and were judged one by one
                # A legacy claim covers every type at its name (AAAA excepted, as external-dns reads it).
                slots = [(name, t, set_identifier) for t in _OWNED_TYPES if t not in ("AAAA", "TXT")]
            missing = [slot for slot in slots if slot not in existing]
            if not missing:
                continue
            owners = ", ".join(f"'{o}'" for o in _owners([(c, "") for c in key_claims]))
            reason = (
                f"{', '.join(sorted({c.txt.name for c in key_claims}))} already claims this name for {owners}; "
                "remove that TXT record if its owner no longer uses the name"
            )
            for slot in missing:
                state.blocked.setdefault(Key(*slot), reason)

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
            if endpoint.type == "TXT" and any(self._decode(value) is not None for value in endpoint.targets):
                problems.append(Problem(
                    endpoint.resource or str(endpoint.key), "TXTValueReserved",
                    f"{endpoint.key}: a TXT value starting 'heritage=external-dns' is an ownership record; "
                    "only the registry writes those",
                ))
                continue
            reason = self.mapper.txt_name_problem(endpoint.name, endpoint.type, zone.name)
            if reason is None:
                ok.append(endpoint)
            else:
                problems.append(
                    Problem(endpoint.resource or str(endpoint.key), "TXTNameInvalid", f"{endpoint.key}: {reason}")
                )
        return ok, problems

    # -- writing -------------------------------------------------------------------------------

    def _txt_for(self, zone: Zone, record: Endpoint, previous: Endpoint | None) -> Endpoint:
        record_labels = {k: v for k, v in record.labels if k not in _INTERNAL_LABELS}
        record_labels[OWNER_LABEL] = self.owner_id
        text = labels.serialize(record_labels)
        if self.seal and self.encryption_key is not None:
            nonce = None
            if previous is not None:
                decoded = self._decode(previous.targets[0]) if previous.targets else None
                if decoded and TXT_NONCE_LABEL in decoded:
                    nonce = crypto.decode_nonce(decoded[TXT_NONCE_LABEL])
            sealed, _ = crypto.encrypt(text.strip('"'), self.encryption_key, nonce)
            text = f'"{sealed}"'
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
        groups = group_by_name(changes)
        changed_keys = {c.key for c in changes if c.action is not Action.DELETE}
        deleted_keys = {c.key for c in changes if c.action is Action.DELETE}
        for group in groups:
            extra: list[Change] = []
            for change in group.records:
                extra.extend(self._txt_changes(state, change, changed_keys, deleted_keys))
            group.changes.extend(extra)
            group.changes.sort(key=action_order)
        return groups

    def _txt_changes(
        self, state: ZoneState, change: Change, changed_keys: set[Key], deleted_keys: set[Key]
    ) -> list[Change]:
        zone = state.zone
        key = change.key
        existing = state.txt_by_key.get(key)
        out: list[Change] = []
        if change.action is Action.DELETE:
            if existing is not None:
                out.append(Change.delete(existing))
        else:
            assert change.new is not None
            wanted = self._txt_for(zone, change.new, existing)
            if existing is None:
                out.append(Change.create(wanted))
            elif not existing.same_record(wanted):
                out.append(Change.update(existing, wanted))
        legacy_key = state.legacy_of.get(key)
        if legacy_key is not None:
            users = state.legacy_users[legacy_key]
            # Last user migrated or gone: the legacy TXT has no more purpose.
            if users <= (changed_keys | deleted_keys) and users and key == min(users):
                out.append(Change.delete(state.legacy_txts[legacy_key]))
        return out

    def apply(self, state: ZoneState, changes: Sequence[Change]) -> ApplyResult:
        return self.provider.apply(state.zone, self.companions(state, changes))
