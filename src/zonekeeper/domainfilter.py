"""`--domain-filter`, `--exclude-domains`, `--regex-domain-filter`, `--regex-domain-exclusion`, and
hosted-zone selection, with external-dns's semantics (endpoint/domain_filter.go, provider/aws zones()).

Names and filters are compared in one canonical form (`zonekeeper.idn`): ASCII (punycode), lower
case, one trailing dot dropped, so `xn--bcher-kva.example` and `Bücher.example.` are the same name.
Regexes are tested against the Unicode form, as external-dns tests them (`(?:😍|🤩)\\.org$` matches
`xn--r28h.org`).

A name matches a filter `f` when it equals `f` or ends with `.f`; a filter written with a leading
dot (`.example.com`) matches subdomains only. No include filter matches everything; exclusions are
taken away afterwards. When either regex is set the lists are dropped, as external-dns drops them
(NewDomainFilterWithOptions): the exclusion regex is tested first, then the inclusion regex (an
unset inclusion regex accepts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from zonekeeper import idn

__all__ = ["DomainFilter", "normalize_domain"]


def normalize_domain(domain: str) -> str:
    """The Unicode form regexes are tested against (external-dns's normalizeDomain)."""
    return idn.to_unicode(domain.removesuffix("."))


def _canonical(domain: str) -> str:
    return idn.canonical(domain.removesuffix("."))


def _prepare(filters: Iterable[str]) -> tuple[str, ...]:
    out = []
    for item in filters:
        domain = _canonical(item.strip())
        if domain:
            out.append(domain)
    return tuple(out)


def _match_filter(filters: tuple[str, ...], domain: str, empty: bool) -> bool:
    if not filters:
        return empty
    name = _canonical(domain)
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
        object.__setattr__(self, "_include_re", _compile(self.regex_include, "--regex-domain-filter"))
        object.__setattr__(self, "_exclude_re", _compile(self.regex_exclude, "--regex-domain-exclusion"))
        # A regex replaces the lists altogether, also for --aws-zone-match-parent (is_parent).
        regex = self.is_regex
        object.__setattr__(self, "include", () if regex else _prepare(self.include))
        object.__setattr__(self, "exclude", () if regex else _prepare(self.exclude))

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
        return match_parent and self.is_parent(zone_name)

    def matches_parent(self, zone_name: str) -> bool:
        """Zone selection under `--aws-zone-match-parent` (`zone_matches(..., match_parent=True)`)."""
        return self.zone_matches(zone_name, match_parent=True)

    def is_parent(self, zone_name: str) -> bool:
        """external-dns's DomainFilter.MatchParent: the zone is a parent of an include filter.

        It consults only the lists, so with a regex (the lists dropped) every zone counts as a
        parent; kept so both controllers pick the same zones."""
        if _match_filter(self.exclude, zone_name, False):
            return False
        if not self.include:
            return True
        zone = _canonical(zone_name)
        # A leading-dot filter asks for subdomains only; its parent is deliberately not selected.
        return any(not f.startswith(".") and f.endswith("." + zone) for f in self.include)


def _compile(pattern: str, flag: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as err:
        raise ValueError(f"{flag}: {pattern!r} is not a valid regular expression: {err}") from err
