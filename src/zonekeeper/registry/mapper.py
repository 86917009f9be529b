"""Record name <-> ownership TXT name, as external-dns's AffixNameMapper (registry/mapper) maps them.

New format (written by external-dns since v0.12, the only one it writes since v0.18): the record
type, lower-cased, goes before the first label -- `a-app.example.com` owns the A record
`app.example.com` -- unless `--txt-prefix`/`--txt-suffix` places it with `%{record_type}`. Legacy
format (still read): the record's own name plus the affixes, with no type at all.

The names must be exactly external-dns's: a different TXT name is a different record, and a cluster
switching controllers would see every record as unowned.
"""

from __future__ import annotations

from dataclasses import dataclass

from zonekeeper import idn

__all__ = ["RECORD_TYPE_TEMPLATE", "TXTNameMapper"]

RECORD_TYPE_TEMPLATE = "%{record_type}"

# Types recognised in a TXT name. external-dns (v0.23) knows the first eleven (TLSA since v0.23:
# zonekeeper does not manage TLSA, but reads a `tlsa-` TXT as the TLSA claim it is, not as a legacy
# name); CAA is zonekeeper's, so a CAA record it manages can be read back (external-dns writes
# `caa-` names but never reads them).
_KNOWN_TYPES = ("A", "AAAA", "CNAME", "NS", "MX", "PTR", "SRV", "NAPTR", "TXT", "DNAME", "TLSA", "CAA")
# external-dns tries the types in the order above and takes the first whose templated affix fits,
# so with a prefix like `%{record_type}` an AAAA name `aaaafoo` reads as A `aaafoo`. Longest first
# finds the type external-dns wrote; where only one type fits, the answer is the same.
_TEMPLATE_ORDER = tuple(sorted(_KNOWN_TYPES, key=len, reverse=True))
_DEFAULT_POSITION_TYPES = {t.lower(): t for t in _KNOWN_TYPES}

_MAX_LABEL = 63
_MAX_NAME = 253  # 255 octets on the wire, less the length octet of the first label and the root


@dataclass(slots=True, frozen=True)
class TXTNameMapper:
    """`--txt-prefix`, `--txt-suffix` (mutually exclusive) and `--txt-wildcard-replacement`.

    With a wildcard replacement, `*.example.com` and a real record named `<replacement>.example.com`
    share one TXT name, as in external-dns; `to_endpoint_name` reads such a TXT as the wildcard's.
    """

    prefix: str = ""
    suffix: str = ""
    wildcard_replacement: str = ""

    def __post_init__(self) -> None:
        if self.prefix and self.suffix:
            raise ValueError(
                f"--txt-prefix ({self.prefix!r}) and --txt-suffix ({self.suffix!r}) are mutually "
                "exclusive: set only one of them"
            )
        # external-dns lower-cases the affixes; TXT names are compared lower-case.
        object.__setattr__(self, "prefix", self.prefix.lower())
        object.__setattr__(self, "suffix", self.suffix.lower())
        object.__setattr__(self, "wildcard_replacement", self.wildcard_replacement.lower())

    @property
    def record_type_in_affix(self) -> bool:
        return RECORD_TYPE_TEMPLATE in self.prefix or RECORD_TYPE_TEMPLATE in self.suffix

    # -- record name -> TXT name ---------------------------------------------------------------

    def to_txt_name(self, name: str, record_type: str) -> str:
        """The new-format TXT name owning the `record_type` record at `name`."""
        rtype = record_type.lower()
        first, dot, rest = name.partition(".")
        if self.wildcard_replacement and first == "*":
            first = self.wildcard_replacement
        if not self.record_type_in_affix:
            first = f"{rtype}-{first}"
        prefix = self.prefix.replace(RECORD_TYPE_TEMPLATE, rtype)
        suffix = self.suffix.replace(RECORD_TYPE_TEMPLATE, rtype)
        return f"{prefix}{first}{suffix}{dot}{rest}"

    def to_legacy_txt_name(self, name: str) -> str:
        """The legacy TXT name for `name`: no type, and a `%{record_type}` in an affix left out, as
        external-dns before v0.18 wrote it."""
        first, dot, rest = name.partition(".")
        if self.wildcard_replacement and first == "*":
            first = self.wildcard_replacement
        prefix = self.prefix.replace(RECORD_TYPE_TEMPLATE, "")
        suffix = self.suffix.replace(RECORD_TYPE_TEMPLATE, "")
        return f"{prefix}{first}{suffix}{dot}{rest}"

    # -- TXT name -> record name ---------------------------------------------------------------

    def to_endpoint_name(self, txt_name: str) -> tuple[str, str] | None:
        """`(record name, record type)` for a TXT name, `""` as the type for a legacy name; None
        when the name does not carry this mapper's affix."""
        lower = txt_name.lower()
        if not self.suffix:
            found = self._drop_affix(lower)
        else:
            # The suffix sits at the end of the first label, which may itself span several labels
            # when the suffix contains dots.
            dots = self.suffix.count(".")
            parts = lower.split(".", 1 + dots)
            if len(parts) <= dots:
                return None
            found = self._drop_affix(".".join(parts[: 1 + dots]))
            if found is not None and len(parts) > 1 + dots:
                found = (f"{found[0]}.{parts[1 + dots]}", found[1])
        if found is None:
            return None
        name, rtype = found
        if self.wildcard_replacement:
            first, dot, rest = name.partition(".")
            if first == self.wildcard_replacement:
                name = f"*{dot}{rest}"
        return name, rtype

    def _drop_affix(self, name: str) -> tuple[str, str] | None:
        prefix, suffix = self.prefix, self.suffix
        if self.record_type_in_affix:
            for rtype in _TEMPLATE_ORDER:
                lowered = rtype.lower()
                if not suffix:
                    typed_prefix = prefix.replace(RECORD_TYPE_TEMPLATE, lowered)
                    if name.startswith(typed_prefix):
                        return name[len(typed_prefix) :], rtype
                else:
                    typed_suffix = suffix.replace(RECORD_TYPE_TEMPLATE, lowered)
                    if name.endswith(typed_suffix):
                        return name[: len(name) - len(typed_suffix)], rtype
            # A legacy name: the affix with the template left out.
            prefix = prefix.replace(RECORD_TYPE_TEMPLATE, "")
            suffix = suffix.replace(RECORD_TYPE_TEMPLATE, "")
        if not self.suffix:
            if name.startswith(prefix):
                return _type_from_first_label(name[len(prefix) :])
            return None
        if name.endswith(suffix):
            return _type_from_first_label(name[: len(name) - len(suffix)])
        return None

    # -- checks --------------------------------------------------------------------------------

    def txt_name_problem(self, name: str, record_type: str, zone_name: str) -> str | None:
        """Why the ownership TXT for this record could not be written, or None.

        external-dns creates the record anyway and leaves it without an owner for good (a label
        over 63 characters, #6430), or writes the TXT outside the zone (an apex record without a
        dotted prefix); the registry refuses the record instead."""
        txt_name = self.to_txt_name(name, record_type)
        labels = txt_name.rstrip(".").split(".")
        octets = [_label_octets(label) for label in labels]
        for label, size in zip(labels, octets, strict=True):
            if size > _MAX_LABEL:
                return (
                    f"its ownership TXT record {txt_name} would have a label of {size} characters "
                    f"({label[:24]}...), over DNS's limit of {_MAX_LABEL}; shorten the record's first "
                    "label or the --txt-prefix/--txt-suffix"
                )
        total = sum(octets) + len(octets) - 1
        if total > _MAX_NAME:
            return (
                f"its ownership TXT record name would be {total} characters long, over DNS's limit of "
                f"{_MAX_NAME}: {txt_name[:60]}..."
            )
        zone = zone_name.strip().rstrip(".").lower()
        candidate = txt_name.rstrip(".").lower()
        if zone and candidate != zone and not candidate.endswith("." + zone):
            return (
                f"its ownership TXT record {txt_name} would fall outside the zone {zone}; for a "
                "record at the zone apex use a --txt-prefix that carries the type and ends in a dot, "
                "such as 'extdns-%{record_type}.'"
            )
        return None


def _type_from_first_label(name: str) -> tuple[str, str]:
    # external-dns reads the type from what precedes the first "-"; anything else is legacy.
    head = name.split("-", 1)[0]
    rtype = _DEFAULT_POSITION_TYPES.get(head)
    if rtype is None:
        return name, ""
    return name.removeprefix(head + "-"), rtype


def _label_octets(label: str) -> int:
    # Limits apply to the label as sent: an internationalised label travels as its xn-- form.
    if label.isascii():
        return len(label)
    try:
        return len(idn.to_ascii(label))
    except idn.IDNAError:
        return len(label.encode("utf-8"))
