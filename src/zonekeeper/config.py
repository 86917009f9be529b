"""Settings: every flag of `zonekeeper run` / `plan` in one typed value, validated once.

Flag names are external-dns's; each can also be set as `ZONEKEEPER_<FLAG>` (upper snake case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from zonekeeper import idn
from zonekeeper.zoneidfilter import ZoneIDFilter

SOURCES = ("service", "ingress", "istio-gateway", "istio-virtualservice", "crd", "gateway-httproute")
PROVIDERS = ("aws", "route53", "inmemory")
POLICIES = ("sync", "upsert-only", "create-only")
REGISTRIES = ("txt", "noop")


class ConfigError(ValueError):
    """A flag or combination of flags that cannot work; the CLI exits 2 with this message."""


def parse_duration(text: str) -> float:
    """Seconds from a Go duration (`1m30s`, `500ms`) or a bare number of seconds."""
    from zonekeeper.annotations import parse_go_duration

    text = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    seconds = parse_go_duration(text)
    if seconds is None or seconds < 0:
        raise ValueError(f"invalid duration {text!r} (use e.g. 30s, 1m, 1h30m)")
    return float(seconds)


def split_list(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Repeatable flags also accept comma-separated values (handy in environment variables)."""
    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in re.split(r"[,\s]+", v) if p.strip())
    return tuple(out)


@dataclass(slots=True, frozen=True)
class Settings:
    sources: tuple[str, ...] = ("service", "ingress")
    from_files: tuple[str, ...] = ()
    provider: str = "aws"
    policy: str = "sync"
    registry: str = "txt"
    txt_owner_id: str = "default"
    txt_prefix: str = ""
    txt_suffix: str = ""
    txt_wildcard_replacement: str = ""
    txt_encrypt_enabled: bool = False
    txt_encrypt_aes_key: str = field(default="", repr=False)
    domain_filter: tuple[str, ...] = ()
    exclude_domains: tuple[str, ...] = ()
    regex_domain_filter: str = ""
    regex_domain_exclusion: str = ""
    managed_record_types: tuple[str, ...] = ("A", "AAAA", "CNAME")
    exclude_record_types: tuple[str, ...] = ()
    # sources
    publish_internal_services: bool = False
    publish_host_ip: bool = False
    always_publish_not_ready_addresses: bool = False
    ignore_hostname_annotation: bool = False
    ignore_ingress_tls_spec: bool = False
    ignore_ingress_rules_spec: bool = False
    ingress_class: tuple[str, ...] = ()
    service_type_filter: tuple[str, ...] = ()
    # aws
    aws_zone_type: str = ""
    aws_zone_tags: tuple[str, ...] = ()
    aws_zone_match_parent: bool = False
    zone_id_filter: tuple[str, ...] = ()
    aws_prefer_cname: bool = False
    aws_evaluate_target_health: bool = True
    aws_batch_change_size: int = 1000
    aws_batch_change_size_values: int = 1000
    aws_batch_change_size_bytes: int = 32000
    aws_api_retries: int = 5
    aws_assume_role: str = ""
    aws_assume_role_external_id: str = ""
    aws_endpoint_url: str = ""
    aws_region: str = ""
    aws_zones_cache_duration: float = 3600.0
    aws_rate_limit: float = 4.0
    inmemory_zone: tuple[str, ...] = ()
    # cluster
    kubeconfig: str = ""
    namespace: str = ""
    label_filter: str = ""
    annotation_filter: str = ""
    kube_api_qps: float = 5.0
    kube_api_burst: int = 10
    leader_elect: bool = False
    leader_elect_namespace: str = ""
    leader_elect_lease_name: str = "zonekeeper"
    leader_elect_lease_duration: float = 15.0
    leader_elect_renew_deadline: float = 10.0
    leader_elect_retry_period: float = 2.0
    emit_events: bool = True
    min_event_sync_interval: float = 0.2
    aws_records_cache_duration: float = 3600.0
    # loop
    interval: float = 60.0
    once: bool = False
    dry_run: bool = False
    max_delete_fraction: float = 0.5
    max_delete_window: float = 3600.0
    load_balancer_grace_period: float = 300.0
    # observability: /metrics, /healthz, /readyz ("" turns the server off)
    metrics_address: str = ":7979"
    readiness_max_sync_age: float = 0.0  # 0: three --interval
    log_level: str = "info"
    log_format: str = "text"

    def validate(self) -> None:
        for s in self.sources:
            if s not in SOURCES:
                raise ConfigError(f"--source {s!r} is not supported (one of: {', '.join(SOURCES)})")
        if self.provider not in PROVIDERS:
            raise ConfigError(f"--provider {self.provider!r} is not supported (one of: aws, inmemory)")
        if self.policy not in POLICIES:
            raise ConfigError(f"--policy {self.policy!r} is not one of {', '.join(POLICIES)}")
        if self.registry not in REGISTRIES:
            raise ConfigError(f"--registry {self.registry!r} is not one of {', '.join(REGISTRIES)}")
        if self.registry == "txt" and not self.txt_owner_id:
            raise ConfigError("--txt-owner-id must not be empty with --registry=txt")
        if self.txt_prefix and self.txt_suffix:
            raise ConfigError("--txt-prefix and --txt-suffix are mutually exclusive")
        if self.txt_encrypt_enabled and not self.txt_encrypt_aes_key:
            raise ConfigError("--txt-encrypt-enabled needs --txt-encrypt-aes-key")
        for flag, domains in (("--domain-filter", self.domain_filter), ("--exclude-domains", self.exclude_domains)):
            for domain in domains:
                try:
                    idn.to_ascii(domain.strip().removesuffix("."))
                except idn.IDNAError as exc:
                    raise ConfigError(f"{flag} {domain!r}: no IDNA form: {exc}") from exc
        zone_ids = ZoneIDFilter(self.zone_id_filter).problem()
        if zone_ids:
            raise ConfigError(zone_ids)
        if self.aws_zone_type not in ("", "public", "private"):
            raise ConfigError(f"--aws-zone-type {self.aws_zone_type!r} must be public or private")
        for size, name, top in ((self.aws_batch_change_size, "--aws-batch-change-size", 1000),
                                (self.aws_batch_change_size_values, "--aws-batch-change-size-values", 1000),
                                (self.aws_batch_change_size_bytes, "--aws-batch-change-size-bytes", 32000)):
            if not 1 <= size <= top:
                raise ConfigError(f"{name} must be between 1 and {top} (Route 53's limit), got {size}")
        if not 0.0 < self.max_delete_fraction <= 1.0:
            raise ConfigError("--max-delete-fraction must be in (0, 1]")
        if self.max_delete_window <= 0:
            raise ConfigError("--max-delete-window must be positive")
        if self.load_balancer_grace_period < 0:
            raise ConfigError("--load-balancer-grace-period must not be negative")
        for t in self.managed_record_types + self.exclude_record_types:
            if not re.fullmatch(r"[A-Z]+", t):
                raise ConfigError(f"record type {t!r} is not valid")
        for tag in self.aws_zone_tags:
            if not tag.split("=", 1)[0]:
                raise ConfigError(f"--aws-zone-tags entry {tag!r} needs a key (key or key=value)")
        if self.regex_domain_filter:
            try:
                re.compile(self.regex_domain_filter)
            except re.error as exc:
                raise ConfigError(f"--regex-domain-filter is not a valid regular expression: {exc}") from exc
        if self.annotation_filter:
            from zonekeeper import selectors

            try:
                selectors.parse(self.annotation_filter)
            except ValueError as exc:
                raise ConfigError(f"--annotation-filter: {exc}") from exc
        if self.leader_elect and not (
            self.leader_elect_lease_duration > self.leader_elect_renew_deadline > self.leader_elect_retry_period > 0
        ):
            raise ConfigError(
                "leader election needs --leader-elect-lease-duration > --leader-elect-renew-deadline > "
                "--leader-elect-retry-period > 0"
            )
        if self.kube_api_qps < 0:
            raise ConfigError("--kube-api-qps must not be negative")
        if self.metrics_address:
            from zonekeeper.server import parse_address

            try:
                parse_address(self.metrics_address)
            except ValueError as exc:
                raise ConfigError(str(exc)) from exc
        if self.readiness_max_sync_age < 0:
            raise ConfigError("--readiness-max-sync-age must not be negative")
        if self.provider == "inmemory" and not self.inmemory_zone:
            raise ConfigError("--provider=inmemory needs at least one --inmemory-zone")
