"""Settings of the provider stage: which DNS provider, and every Route 53 flag (zones, batching,
retries, credentials, caches, rate limit). Read by wiring.build_provider and wiring.route53_client."""

from __future__ import annotations

import re
from dataclasses import dataclass

from zonekeeper.settings.flag import ALL_COMMANDS, ConfigError, Flag

PROVIDERS = ("aws", "route53", "inmemory")  # route53 is another name for aws
ZONE_TYPES = ("", "public", "private")
DRIFT_CHECKS = ("dns", "list")


def _canonical_provider(name: str) -> str:
    return "aws" if name == "route53" else name


@dataclass(slots=True, frozen=True)
class ProviderSettings:
    provider: str = "aws"
    aws_zone_type: str = ""
    aws_zone_tags: tuple[str, ...] = ()
    aws_zone_match_parent: bool = False
    aws_prefer_cname: bool = False
    aws_evaluate_target_health: bool = True
    aws_batch_change_size: int = 1000
    aws_batch_change_size_values: int = 1000
    aws_batch_change_size_bytes: int = 32000
    aws_api_retries: int = 5
    aws_profile: tuple[str, ...] = ()
    aws_assume_role: str = ""
    aws_assume_role_external_id: str = ""
    aws_endpoint_url: str = ""
    aws_region: str = ""
    aws_zones_cache_duration: float = 3600.0
    aws_records_cache_duration: float = 3600.0
    aws_rate_limit: float = 4.0
    aws_rate_limit_adaptive: bool = True
    inmemory_zone: tuple[str, ...] = ()
    # drift (providers/route53/drift.py): ask public zones' name servers before re-listing them
    drift_check: str = "dns"
    drift_nameserver: tuple[str, ...] = ()
    drift_full_list_interval: float = 86400.0

    def validate(self) -> None:
        if self.provider not in PROVIDERS:
            raise ConfigError(f"--provider={self.provider} is not supported: zonekeeper supports only --provider=aws "
                              "(or route53, its other name; inmemory is for tests)")
        if self.aws_zone_type not in ZONE_TYPES:
            raise ConfigError(f"--aws-zone-type {self.aws_zone_type!r} must be public or private")
        for size, name, top in ((self.aws_batch_change_size, "--aws-batch-change-size", 1000),
                                (self.aws_batch_change_size_values, "--aws-batch-change-size-values", 1000),
                                (self.aws_batch_change_size_bytes, "--aws-batch-change-size-bytes", 32000)):
            if not 1 <= size <= top:
                raise ConfigError(f"{name} must be between 1 and {top} (Route 53's limit), got {size}")
        for tag in self.aws_zone_tags:
            if not tag.split("=", 1)[0]:
                raise ConfigError(f"--aws-zone-tags entry {tag!r} needs a key (key or key=value)")
        if self.provider == "inmemory" and not self.inmemory_zone:
            raise ConfigError("--provider=inmemory needs at least one --inmemory-zone")
        for server in self.drift_nameserver:
            if not re.fullmatch(r"[0-9.]+(:\d+)?|\[[0-9a-fA-F:.]+\](:\d+)?|[0-9a-fA-F:]+", server):
                raise ConfigError(f"--drift-nameserver {server!r} must be an IP address, optionally with "
                                  "a port (192.0.2.1:53, [2001:db8::1]:53)")


FLAGS: tuple[Flag, ...] = (
    Flag("provider", "provider", "DNS provider (route53 = aws).", choices=PROVIDERS, commands=ALL_COMMANDS,
         convert=_canonical_provider),
    Flag("aws-zone-type", "aws_zone_type", "Only public or private zones.", choices=ZONE_TYPES,
         commands=ALL_COMMANDS),
    Flag("aws-zone-tags", "aws_zone_tags", "Only zones with these tags, key or key=value (repeatable).",
         repeatable=True, commands=ALL_COMMANDS),
    Flag("aws-zone-match-parent", "aws_zone_match_parent", "A domain filter also selects its parent zones.",
         kind="bool", commands=ALL_COMMANDS),
    Flag("aws-prefer-cname", "aws_prefer_cname", "CNAME instead of alias records.", kind="bool"),
    Flag("aws-evaluate-target-health", "aws_evaluate_target_health",
         "Default EvaluateTargetHealth of alias records.", kind="bool", negatable=True),
    Flag("aws-batch-change-size", "aws_batch_change_size", "Changes per Route 53 request.", kind="int"),
    Flag("aws-batch-change-size-values", "aws_batch_change_size_values", "Record values per request.", kind="int"),
    Flag("aws-batch-change-size-bytes", "aws_batch_change_size_bytes", "Value characters per request.",
         kind="int"),
    Flag("aws-api-retries", "aws_api_retries", "Attempts per Route 53 call (standard retries).", kind="int",
         commands=ALL_COMMANDS),
    Flag("aws-profile", "aws_profile",
         "Profile of the shared AWS config/credentials files (repeatable: one AWS account each; every zone "
         "is written with the profile that lists it, the first given if several do).", repeatable=True,
         commands=ALL_COMMANDS),
    Flag("aws-assume-role", "aws_assume_role",
         "IAM role to assume on top of the credentials (of each --aws-profile).", commands=ALL_COMMANDS),
    Flag("aws-assume-role-external-id", "aws_assume_role_external_id", "External id for --aws-assume-role.",
         commands=ALL_COMMANDS),
    Flag("aws-endpoint-url", "aws_endpoint_url", "Route 53 endpoint (else AWS_ENDPOINT_URL[_ROUTE_53]).",
         commands=ALL_COMMANDS),
    Flag("aws-region", "aws_region", "Region for the AWS clients (Route 53 is global).", commands=ALL_COMMANDS),
    Flag("aws-zones-cache-duration", "aws_zones_cache_duration", "How long the zone list is cached.",
         kind="duration"),
    Flag("aws-records-cache-duration", "aws_records_cache_duration",
         "How long Route 53 records are trusted from the cache before they are listed again.", kind="duration"),
    Flag("aws-rate-limit", "aws_rate_limit", "Route 53 requests per second for this process.", kind="float",
         commands=ALL_COMMANDS),
    Flag("aws-rate-limit-adaptive", "aws_rate_limit_adaptive",
         "Lower the Route 53 rate on Throttling and raise it slowly back to --aws-rate-limit, so that "
         "several clusters on one AWS account share its budget (off: --aws-rate-limit, fixed).",
         kind="bool", negatable=True, commands=ALL_COMMANDS),
    Flag("inmemory-zone", "inmemory_zone", "Zones of the inmemory provider (repeatable).", repeatable=True,
         commands=ALL_COMMANDS),
    Flag("drift-check", "drift_check",
         "How expired records of a public zone are checked for drift: dns asks the zone's name servers and "
         "re-reads only names that differ (aliases and routing-policy records through the API); list "
         "re-lists the zone.", choices=DRIFT_CHECKS),
    Flag("drift-nameserver", "drift_nameserver",
         "Name servers to ask for --drift-check=dns, IP[:port] (repeatable; default: each zone's "
         "delegation set).", repeatable=True),
    Flag("drift-full-list-interval", "drift_full_list_interval",
         "With --drift-check=dns, each zone is still listed in full at least this often.", kind="duration"),
)
