"""The intended differences between external-dns v0.23.0 and zonekeeper, listed once.

test_compat_differences.py holds them exact on the real tools (a difference that appears or goes away
fails it), and docs/migration.md's table is generated from this list (scripts/migration_guide.py), so
the guide says what the suite measured. Plain data: importing it needs no cluster and no binary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RecordKey = tuple[str, str, str]  # (name, type, set identifier)
# What external-dns does on zonekeeper's zone with the case's records: keeps them as they are, deletes
# them, or writes its own version back.
GoingBack = Literal["kept", "deleted", "rewritten"]


@dataclass(frozen=True, slots=True)
class Difference:
    case: str  # the guide's words for it
    external_dns: str
    zonekeeper: str
    records: tuple[tuple[RecordKey, str], ...]  # each record that differs, and why
    going_back: GoingBack
    # The guide's takeover and going-back cells; `{n}` is the number of records changed.
    takeover: str
    back: str

    @property
    def keys(self) -> frozenset[RecordKey]:
        return frozenset(key for key, _ in self.records)


_ALIAS_WHY = ("alias: \"false\" on a load balancer hostname: external-dns ignores it (alias A/AAAA), zonekeeper "
              "writes the CNAME asked for (unless --alias-annotation=external-dns)")

# external-dns runs with its defaults (no --enable-legacy-annotation-prefix); zonekeeper with the very
# same arguments.
DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "Hostname in mixed case (`Mixed.Example.com`)",
        "skipped: its zone match is case-sensitive", "published as `mixed.example.com`",
        ((("mixed.example.com", "A", ""), "a hostname in mixed case: external-dns finds no zone for "
                                          "'Mixed.Example.com' (case-sensitive zone match) and skips it; "
                                          "zonekeeper lower-cases DNS names"),
         (("a-mixed.example.com", "TXT", ""), "its ownership record")),
        "kept", "{n} creates (A + TXT)", "0 changes: it keeps the record"),
    Difference(
        "Only the legacy prefix (`external-dns.alpha.kubernetes.io/hostname`)",
        "ignored unless `--enable-legacy-annotation-prefix`",
        "read by default (the GA prefix wins when both are set); not with `--no-enable-legacy-annotation-prefix` "
        "or `--annotation-prefix`",
        ((("legacy-only.example.com", "A", ""), "external-dns reads the legacy external-dns.alpha.kubernetes.io/ "
                                                "prefix only with --enable-legacy-annotation-prefix; zonekeeper "
                                                "does by default"),
         (("a-legacy-only.example.com", "TXT", ""), "its ownership record")),
        "deleted", "{n} creates (A + TXT)",
        "**{n} deletes** (A + TXT): start external-dns with `--enable-legacy-annotation-prefix` to keep them"),
    Difference(
        "`alias: \"false\"` on a load balancer hostname",
        "ignored: alias A/AAAA",
        "a CNAME, as asked; with `--alias-annotation=external-dns` the alias A/AAAA external-dns writes",
        ((("noalias.example.com", "A", ""), _ALIAS_WHY),
         (("noalias.example.com", "AAAA", ""), "the same"),
         (("noalias.example.com", "CNAME", ""), "the same"),
         (("a-noalias.example.com", "TXT", ""), "the same, its ownership records"),
         (("aaaa-noalias.example.com", "TXT", ""), "the same"),
         (("cname-noalias.example.com", "TXT", ""), "the same")),
        "rewritten",
        "{n} changes (alias A/AAAA and their TXT replaced by CNAME + TXT); **0** with `--alias-annotation=external-dns`",
        "{n} changes back; 0 with the flag"),
)


def intended() -> dict[RecordKey, str]:
    """Every record that may differ, and why."""
    return {key: why for d in DIFFERENCES for key, why in d.records}


def changed_going_back(how: GoingBack | None = None) -> frozenset[RecordKey]:
    """The records external-dns changes on zonekeeper's zone (those it changes in that way)."""
    return frozenset(k for d in DIFFERENCES if d.going_back != "kept" and how in (None, d.going_back) for k in d.keys)
