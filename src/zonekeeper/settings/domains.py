"""Settings of the domain and zone filters: which names and hosted zones are ours to manage.
Read by zonekeeper.domainfilter (through wiring.domain_filter) and the provider's zone selection."""

from __future__ import annotations

import re
from dataclasses import dataclass

from zonekeeper import idn
from zonekeeper.settings.flag import ALL_COMMANDS, ConfigError, Flag
from zonekeeper.zoneidfilter import ZoneIDFilter


@dataclass(slots=True, frozen=True)
class DomainSettings:
    domain_filter: tuple[str, ...] = ()
    exclude_domains: tuple[str, ...] = ()
    regex_domain_filter: str = ""
    regex_domain_exclusion: str = ""
    zone_id_filter: tuple[str, ...] = ()

    def validate(self) -> None:
        for flag, domains in (("--domain-filter", self.domain_filter), ("--exclude-domains", self.exclude_domains)):
            for domain in domains:
                try:
                    idn.to_ascii(domain.strip().removesuffix("."))
                except idn.IDNAError as exc:
                    raise ConfigError(f"{flag} {domain!r}: no IDNA form: {exc}") from exc
        zone_ids = ZoneIDFilter(self.zone_id_filter).problem()
        if zone_ids:
            raise ConfigError(zone_ids)
        if self.regex_domain_filter:
            try:
                re.compile(self.regex_domain_filter)
            except re.error as exc:
                raise ConfigError(f"--regex-domain-filter is not a valid regular expression: {exc}") from exc


FLAGS: tuple[Flag, ...] = (
    Flag("domain-filter", "domain_filter", "Limit to these domains (repeatable; '.x' = subdomains only).",
         repeatable=True, commands=ALL_COMMANDS),
    Flag("exclude-domains", "exclude_domains", "Exclude these domains (repeatable).", repeatable=True,
         commands=ALL_COMMANDS),
    Flag("regex-domain-filter", "regex_domain_filter", "Limit to names matching this regex (wins over lists).",
         commands=ALL_COMMANDS),
    Flag("regex-domain-exclusion", "regex_domain_exclusion", "Exclude names matching this regex.",
         commands=ALL_COMMANDS),
    Flag("zone-id-filter", "zone_id_filter", "Only these hosted zone ids (repeatable).", repeatable=True,
         commands=ALL_COMMANDS),
)
