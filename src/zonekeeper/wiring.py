"""From Settings to a working pipeline: provider, registry, filters, source configuration."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from zonekeeper import logs
from zonekeeper.annotations import prefixes_for
from zonekeeper.config import ConfigError, Settings
from zonekeeper.domainfilter import DomainFilter
from zonekeeper.pipeline import Pipeline, PipelineOptions, Registry
from zonekeeper.plan import PlanOptions, Policy
from zonekeeper.providers.base import Provider
from zonekeeper.providers.inmemory import InMemoryProvider
from zonekeeper.providers.route53 import Account, Route53Options, Route53Provider
from zonekeeper.providers.route53.records import DriftCheck
from zonekeeper.ratelimit import TokenBucket
from zonekeeper.registry import crypto
from zonekeeper.registry.dynamodb import DynamoDBRegistry, DynamoDBTable
from zonekeeper.registry.mapper import TXTNameMapper
from zonekeeper.registry.txt import NoopRegistry, TXTRegistry
from zonekeeper.sources.base import SourceConfig
from zonekeeper.sources.fqdn import TARGET_FLAG, compile_templates
from zonekeeper.sources.postprocess import parse_nat64, parse_networks


@dataclass(slots=True)
class Wiring:
    settings: Settings
    provider: Provider
    registry: Registry
    pipeline: Pipeline
    source_config: SourceConfig


def domain_filter(settings: Settings) -> DomainFilter:
    return DomainFilter(
        include=settings.domains.domain_filter,
        exclude=settings.domains.exclude_domains,
        regex_include=settings.domains.regex_domain_filter,
        regex_exclude=settings.domains.regex_domain_exclusion,
    )


def source_config(settings: Settings) -> SourceConfig:
    return SourceConfig(
        publish_internal_services=settings.source.publish_internal_services,
        publish_host_ip=settings.source.publish_host_ip,
        always_publish_not_ready_addresses=settings.source.always_publish_not_ready_addresses,
        ignore_hostname_annotation=settings.source.ignore_hostname_annotation,
        ignore_ingress_tls_spec=settings.source.ignore_ingress_tls_spec,
        ignore_ingress_rules_spec=settings.source.ignore_ingress_rules_spec,
        ingress_classes=settings.source.ingress_class,
        service_type_filter=settings.source.service_type_filter,
        fqdn_template=compile_templates(settings.source.fqdn_template),
        combine_fqdn_annotation=settings.source.combine_fqdn_annotation,
        fqdn_target_template=compile_templates(settings.source.fqdn_target_template, TARGET_FLAG),
        default_targets=tuple(t.rstrip(".") for t in settings.source.default_targets),
        force_default_targets=settings.source.force_default_targets,
        nat64_networks=parse_nat64(settings.source.nat64_networks),
        target_net_filter=parse_networks(settings.source.target_net_filter, "--target-net-filter"),
        exclude_target_nets=parse_networks(settings.source.exclude_target_net, "--exclude-target-net"),
        min_ttl=int(settings.source.min_ttl),  # whole seconds, truncated as external-dns does
        prefer_alias=settings.source.prefer_alias,
        create_ptr=settings.source.create_ptr,
        alias_true_only=settings.source.alias_annotation == "external-dns",
        annotation_prefixes=prefixes_for(settings.source.annotation_prefix,
                                         settings.source.enable_legacy_annotation_prefix),
        gateway_name=settings.source.gateway_name,
        gateway_namespace=settings.source.gateway_namespace,
        gateway_label_filter=settings.source.gateway_label_filter,
        gloo_namespaces=settings.source.gloo_namespace,
        gateway_listener_sets=settings.source.gateway_listener_sets,
        annotation_filter=settings.source.annotation_filter,
        traefik_enable_legacy=settings.source.traefik_enable_legacy,
        traefik_disable_new=settings.source.traefik_disable_new,
        exclude_unschedulable=settings.source.exclude_unschedulable,
        compatibility=settings.source.compatibility,
        expose_internal_ipv6=settings.source.expose_internal_ipv6,
        pod_source_domain=settings.source.pod_source_domain,
        ignore_non_host_network_pods=settings.source.ignore_non_host_network_pods,
        openshift_router_name=settings.source.openshift_router_name,
        # The table is filled by zonekeeper.lbresolve before each pass.
        resolved_hostnames={} if settings.source.resolve_service_load_balancer_hostname else None,
    )


@dataclass(slots=True, frozen=True)
class AwsSession:
    """botocore's session with the two calls of boto3.Session used here. Not boto3 itself: importing
    it loads s3transfer, a third of `zonekeeper plan`'s start-up, and nothing here uses its resources
    or its S3/EC2 client additions."""

    _session: Any

    def client(self, service: str, **kwargs: Any) -> Any:
        return self._session.create_client(service, **kwargs)

    def get_credentials(self) -> Any:
        return self._session.get_credentials()


def aws_session(settings: Settings, profile: str = "") -> AwsSession:
    """A session with one account's credentials: the default credential chain (IRSA, Pod
    Identity, env, AWS_PROFILE) or the named profile of the shared config/credentials files (its own
    `role_arn`/`source_profile` assumed by botocore), with --aws-assume-role assumed on top.
    external-dns's other AWS clients (the DynamoDB registry) use the default chain: profile ""."""
    import botocore.session
    from botocore.exceptions import ProfileNotFound

    core = botocore.session.Session(profile=profile) if profile else botocore.session.get_session()
    try:
        core.get_scoped_config()
    except ProfileNotFound as exc:
        raise ConfigError(f"--aws-profile {profile!r}: no such profile in {_aws_files(core)}") from exc
    if profile:
        _register_profile_secrets(core)
    if settings.provider.aws_assume_role:
        _assume_role_on_top(settings, core, _region(settings, core))
    return AwsSession(core)


def _register_profile_secrets(core: Any) -> None:
    """The static keys of every profile of the shared files, before any is used: botocore's own STS
    client (a profile's `role_arn` with `source_profile`) signs with them outside our signing hook."""
    for values in core.full_config.get("profiles", {}).values():
        logs.register_secret(values.get("aws_access_key_id"), values.get("aws_secret_access_key"),
                             values.get("aws_session_token"))


def _aws_files(core: Any) -> str:
    return " or ".join(f"{core.get_config_variable(v)}" for v in ("config_file", "credentials_file"))


def _region(settings: Settings, core: Any) -> str:
    return str(settings.provider.aws_region or core.get_config_variable("region") or "us-east-1")


def _assume_role_on_top(settings: Settings, core: Any, region: str) -> None:
    from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials

    source = core.get_credentials()
    if source is None:
        raise ConfigError("--aws-assume-role needs base AWS credentials, and none were found")
    extra: dict[str, str] = {"RoleSessionName": "zonekeeper"}
    if settings.provider.aws_assume_role_external_id:
        extra["ExternalId"] = settings.provider.aws_assume_role_external_id
    fetcher = AssumeRoleCredentialFetcher(
        # STS needs a region even though Route 53 is global.
        client_creator=functools.partial(_sts_client, core, source, region_name=region),
        source_credentials=source, role_arn=settings.provider.aws_assume_role, extra_args=extra,
    )
    core._credentials = DeferredRefreshableCredentials(  # botocore's own way to plug in credentials
        method="assume-role", refresh_using=functools.partial(_fetch_registered, fetcher)
    )


def aws_accounts(settings: Settings) -> list[Account]:
    """One Account per --aws-profile (in the order given, repeats dropped; none: the default chain),
    each with its own session, Route 53 client and token bucket: Route 53 throttles per account."""
    profiles = list(dict.fromkeys(p for p in settings.provider.aws_profile if p)) or [""]
    rate = settings.provider.aws_rate_limit
    accounts: list[Account] = []
    for profile in profiles:
        session = aws_session(settings, profile)
        role = settings.provider.aws_assume_role or str(session._session.get_scoped_config().get("role_arn", ""))
        accounts.append(Account(route53_client(settings, session), name=profile or "default",
                                bucket=TokenBucket(rate=rate, burst=max(1, int(rate) + 1)), role_arn=role,
                                session=session))
    return accounts


def route53_client(settings: Settings, session: Any = None) -> Any:
    """A boto3 Route 53 client of `session` (by default `aws_session(settings)`): standard retries,
    and the endpoint from --aws-endpoint-url or AWS_ENDPOINT_URL[_ROUTE_53]."""
    session = session if session is not None else aws_session(settings)
    client = session.client("route53", region_name=_region(settings, session._session),
                            endpoint_url=settings.provider.aws_endpoint_url or None, config=_aws_config(settings))
    _register_before_signing(client, session.get_credentials())
    _log_calls(client)
    return client


def dynamodb_client(settings: Settings) -> Any:
    """A boto3 DynamoDB client for the dynamodb registry's table: the default credential chain (as
    external-dns's registry uses) with --aws-assume-role on top, in --dynamodb-region, the endpoint from
    AWS_ENDPOINT_URL[_DYNAMODB]."""
    session = aws_session(settings)
    client = session.client("dynamodb", region_name=settings.registry.dynamodb_region or
                            _region(settings, session._session), config=_aws_config(settings))
    _register_before_signing(client, session.get_credentials())
    _log_calls(client)
    return client


def _aws_config(settings: Settings) -> Any:
    from botocore.config import Config

    connect_timeout = 10.0
    if settings.controller.leader_elect:
        # A write starts only while the lease is certainly ours (kube/leader.py, "Write deadline"); a
        # connection set up after that must not carry it out beyond half the margin the lease leaves.
        margin = settings.controller.leader_elect_lease_duration - settings.controller.leader_elect_renew_deadline
        connect_timeout = min(connect_timeout, max(margin / 2, 0.1))
    return Config(
        retries={"mode": "standard", "max_attempts": max(1, settings.provider.aws_api_retries)},
        max_pool_connections=4,
        connect_timeout=connect_timeout,
        read_timeout=60,
        user_agent_extra="zonekeeper",
    )


def _log_calls(client: Any) -> None:
    """One debug line per AWS request: botocore's own debug output is capped (it carries credentials)."""
    log = logs.get("zonekeeper.aws")

    def done(event_name: str = "", http_response: Any = None, parsed: Any = None, **_: Any) -> None:
        parsed = parsed if isinstance(parsed, dict) else {}
        meta = parsed.get("ResponseMetadata", {})
        log.debug("aws call", call=event_name.partition(".")[2], status=getattr(http_response, "status_code", None),
                  error=parsed.get("Error", {}).get("Code"), request_id=meta.get("RequestId"),
                  retries=meta.get("RetryAttempts"))

    def failed(event_name: str = "", exception: Any = None, **_: Any) -> None:
        log.debug("aws call failed", call=event_name.partition(".")[2], error=repr(exception))

    client.meta.events.register("after-call", done)
    client.meta.events.register("after-call-error", failed)


def _register_before_signing(client: Any, credentials: Any) -> None:
    """Whatever the credentials are (static, profile, IRSA, Pod Identity, an assumed role, refreshed
    or not), their current values are known to the log redactor before a request is signed with them."""
    if credentials is None:
        return

    def register(**_: Any) -> None:
        logs.register_credentials(credentials.get_frozen_credentials())

    client.meta.events.register("before-sign", register)


def _sts_client(core: Any, source: Any, service: str, **kwargs: Any) -> Any:
    client = core.create_client(service, **kwargs)
    _register_before_signing(client, source)
    return client


def _fetch_registered(fetcher: Any) -> dict[str, Any]:
    # The assumed role's credentials, registered the moment STS hands them out.
    fetched: dict[str, Any] = fetcher.fetch_credentials()
    logs.register_secret(fetched.get("access_key"), fetched.get("secret_key"), fetched.get("token"))
    return fetched


def zone_tags(settings: Settings) -> tuple[tuple[str, str | None], ...]:
    out: list[tuple[str, str | None]] = []
    for tag in settings.provider.aws_zone_tags:
        key, sep, value = tag.partition("=")
        out.append((key.strip(), value.strip() if sep else None))
    return tuple(out)


def build_provider(settings: Settings, *, records_cache_seconds: float = 0.0, checks_drift: bool = False) -> Provider:
    """`checks_drift`: the provider outlives a pass, so its cached records expire and --drift-check
    applies. A one-shot command lists every zone once and never asks, so it never imports dnspython
    (a tenth of a second of `plan`'s start)."""
    if settings.provider.provider == "inmemory":
        return InMemoryProvider(settings.provider.inmemory_zone)
    dfilter = domain_filter(settings)
    zone_filter = dfilter.matches_parent if settings.provider.aws_zone_match_parent else dfilter.zone_matches
    options = Route53Options(
        zone_type=settings.provider.aws_zone_type,
        zone_id_filter=settings.domains.zone_id_filter,
        zone_tags=zone_tags(settings),
        prefer_cname=settings.provider.aws_prefer_cname,
        evaluate_target_health=settings.provider.aws_evaluate_target_health,
        batch_change_size=settings.provider.aws_batch_change_size,
        batch_change_size_values=settings.provider.aws_batch_change_size_values,
        batch_change_size_bytes=settings.provider.aws_batch_change_size_bytes,
        zones_cache_seconds=settings.provider.aws_zones_cache_duration,
        records_cache_seconds=records_cache_seconds,
        full_list_seconds=settings.provider.drift_full_list_interval,
        adaptive_rate=settings.provider.aws_rate_limit_adaptive,
    )
    return Route53Provider(options=options, accounts=aws_accounts(settings), zone_filter=zone_filter,
                           drift=drift_check(settings) if checks_drift else None)


def drift_check(settings: Settings) -> DriftCheck | None:
    if settings.provider.drift_check != "dns":
        return None
    from zonekeeper.providers.route53.dnsprobe import DnsDriftCheck, parse_server  # dnspython: only when used

    return DnsDriftCheck(servers=tuple(parse_server(s) for s in settings.provider.drift_nameserver))


def build_registry(settings: Settings, provider: Provider) -> Registry:
    txt = settings.registry
    if txt.registry == "noop":
        return NoopRegistry(provider)
    try:
        mapper = TXTNameMapper(txt.txt_prefix, txt.txt_suffix, txt.txt_wildcard_replacement)
        key = crypto.parse_key(txt.txt_encrypt_aes_key) if txt.txt_encrypt_aes_key else None
    except ValueError as exc:
        raise ConfigError(f"--txt-encrypt-aes-key: {exc}") from exc
    if txt.registry == "dynamodb":
        # The TXT settings still matter: they name and open the TXT records migrated from.
        table = DynamoDBTable(dynamodb_client(settings), txt.dynamodb_table)
        return DynamoDBRegistry(provider, txt.txt_owner_id, table, mapper, key)
    return TXTRegistry(provider, txt.txt_owner_id, mapper, key, seal=txt.txt_encrypt_enabled,
                       old_owner_id=txt.migrate_from_txt_owner)


def build(settings: Settings, *, records_cache_seconds: float = 0.0, checks_drift: bool = False) -> Wiring:
    settings.validate()
    provider = build_provider(settings, records_cache_seconds=records_cache_seconds, checks_drift=checks_drift)
    registry = build_registry(settings, provider)
    options = PipelineOptions(
        plan=PlanOptions(
            owner_id=registry.owner_id,
            policy=Policy(settings.plan.policy),
            managed_types=settings.plan.managed_record_types,
            exclude_types=settings.plan.exclude_record_types,
        ),
        domain_filter=domain_filter(settings),
        max_delete_fraction=settings.plan.max_delete_fraction,
        max_delete_window=settings.plan.max_delete_window,
    )
    return Wiring(settings, provider, registry, Pipeline(provider, registry, options), source_config(settings))
