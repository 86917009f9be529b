"""`--domain-filter`, `--exclude-domains`, `--regex-domain-filter`, `--regex-domain-exclusion`, and
hosted-zone selection, with external-dns's semantics (endpoint/domain_filter.go, provider/aws zones()).

Names and filters are compared in one canonical form: lower case, one trailing dot dropped, and
internationalised labels in Unicode, so `xn--bcher-kva.example` and `Bücher.example.` are the
same name (external-dns maps both with UTS #46 transitional processing, so `ß` reads as `ss`).

A name matches a filter `f` when it equals `f` or ends with `.f`; a filter written with a leading
dot (`.example.com`) matches subdomains only. No include filter matches everything; exclusions are
taken away afterwards. When either regex is set the lists are ignored: the exclusion regex is
tested first, then the inclusion regex (an unset inclusion regex accepts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from encodings.idna import nameprep

__all__ = ["DomainFilter", "normalize_domain"]

# UTS #46 maps these to a full stop before splitting labels.
_IDEOGRAPHIC_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def normalize_domain(domain: str) -> str:
    """The form names and filters are compared in."""
    domain = domain.removesuffix(".")
    if domain.isascii() and "xn--" not in domain.lower():
        return domain.lower()
    return ".".join(_normalize_label(label) for label in domain.translate(_IDEOGRAPHIC_DOTS).split("."))


def _normalize_label(label: str) -> str:
    if label.isascii():
        lowered = label.lower()
        if lowered.startswith("xn--"):
            try:
                decoded = lowered[4:].encode("ascii").decode("punycode")
            except UnicodeError:
                decoded = ""
            # Not punycode, or punycode of plain ASCII (which IDNA forbids): external-dns warns and
            # compares the label as written.
            return lowered if decoded.isascii() else decoded.lower()
        return lowered
    try:
        # IDNA2003 nameprep: case folding (ß -> ss, final sigma -> sigma), NFKC, joiners removed --
        # the same result as UTS #46 transitional mapping for the names people use.
        return nameprep(label)
    except UnicodeError:
        return label.lower()


def _prepare(filters: Iterable[str]) -> tuple[str, ...]:
    out = []
    for item in filters:
        domain = normalize_domain(item.strip())
        if domain:
            out.append(domain)
    return tuple(out)


def _match_filter(filters: tuple[str, ...], domain: str, empty: bool) -> bool:
    if not filters:
        return empty
    name = normalize_domain(domain)
    for f in filters:
        if f.startswith(".") and name.endswith(f):
            return True
        if name == f or name.endswith("." + f):
            return True
    return False


@dataclass(slots=True, frozen=True)
class DomainFilter:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    regex_include: str = ""
    regex_exclude: str = ""
    _include_re: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    _exclude_re: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "include", _prepare(self.include))
        object.__setattr__(self, "exclude", _prepare(self.exclude))
        object.__setattr__(self, "_include_re", _compile(self.regex_include, "--regex-domain-filter"))
        object.__setattr__(self, "_exclude_re", _compile(self.regex_exclude, "--regex-domain-exclusion"))

    @property
    def is_regex(self) -> bool:
        return self._include_re is not None or self._exclude_re is not None

    @property
    def is_configured(self) -> bool:
        return self.is_regex or bool(self.include) or bool(self.exclude)

    def matches(self, name: str) -> bool:
        """Whether records named `name` are ours to manage."""
        if self.is_regex:
            normalized = normalize_domain(name)
            if self._exclude_re is not None and self._exclude_re.search(normalized):
                return False
            return self._include_re is None or self._include_re.search(normalized) is not None
        return _match_filter(self.include, name, True) and not _match_filter(self.exclude, name, False)

    def zone_matches(self, zone_name: str, *, match_parent: bool = False) -> bool:
        """Whether a hosted zone is used: its name matches, or with `--aws-zone-match-parent` it is
        a parent of an include filter (zone `example.com` for filter `app.example.com`)."""
        if self.matches(zone_name):
            return True
        return match_parent and self._is_parent(zone_name)

    def matches_parent(self, zone_name: str) -> bool:
        """Zone selection under `--aws-zone-match-parent` (`zone_matches(..., match_parent=True)`)."""
        return self.zone_matches(zone_name, match_parent=True)

    def _is_parent(self, zone_name: str) -> bool:
        # external-dns's DomainFilter.MatchParent. It consults only the lists, so with a regex
        # filter (no include list) every zone counts as a parent; kept so both pick the same zones.
        if _match_filter(self.exclude, zone_name, False):
            return False
        if not self.include:
            return True
        zone = normalize_domain(zone_name)
        # A leading-dot filter asks for subdomains only; its parent is deliberately not selected.
        return any(not f.startswith(".") and f.endswith("." + zone) for f in self.include)


def _compile(pattern: str, flag: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as err:
        raise ValueError(f"{flag}: {pattern!r} is not a valid regular expression: {err}") from err
