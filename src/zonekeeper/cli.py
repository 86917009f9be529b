"""`zonekeeper plan`, `zonekeeper run` and `zonekeeper records`.

Exit codes (zonekeeper.exitcodes): 0 done; 1 error (a change or zone failed); 2 changes pending
(`plan --detailed-exitcode`); 3 done, with refusals (`run --once`, `plan --detailed-exitcode`);
64 bad flags or configuration.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields
from typing import Any

import click

from zonekeeper import exitcodes, logs, manifests
from zonekeeper.config import (
    POLICIES,
    PROVIDERS,
    REGISTRIES,
    SOURCES,
    ConfigError,
    Settings,
    parse_duration,
    split_list,
)
from zonekeeper.endpoint import Problem
from zonekeeper.pipeline import PassResult
from zonekeeper.report import render_json, render_text

ENV_PREFIX = "ZONEKEEPER_"



def _env(flag: str) -> str:
    return ENV_PREFIX + flag.lstrip("-").replace("-", "_").upper()


_BY_FLAG: dict[str, Callable[[Any], Any]] = {}


def _option(flag: str, *names: str, **kwargs: Any) -> Callable[[Any], Any]:
    kwargs.setdefault("show_default", True)
    option = click.option(flag, *names, envvar=_env(flag.split("/")[0]), **kwargs)
    _BY_FLAG[flag.split("/")[0]] = option
    return option


def _duration(ctx: click.Context, param: click.Parameter, value: Any) -> float | None:
    if value is None:
        return None
    try:
        return parse_duration(str(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


_OPTIONS: list[Callable[[Any], Any]] = [
    _option("--source", "sources", multiple=True, default=("service", "ingress"),
            help=f"Source of endpoints, repeatable: {', '.join(SOURCES)}."),
    _option("--from-file", "from_files", multiple=True, type=click.Path(),
            help="Read objects from YAML files or directories instead of a cluster (repeatable)."),
    _option("--provider", default="aws", type=click.Choice(PROVIDERS), help="DNS provider (route53 = aws)."),
    _option("--policy", default="sync", type=click.Choice(POLICIES), help="What changes are allowed."),
    _option("--registry", default="txt", type=click.Choice(REGISTRIES), help="Ownership registry."),
    _option("--txt-owner-id", default="default", help="Owner id written to and expected in TXT records."),
    _option("--txt-prefix", default="", help="Prefix of TXT names; may contain %{record_type}."),
    _option("--txt-suffix", default="", help="Suffix of TXT names' first label; may contain %{record_type}."),
    _option("--txt-wildcard-replacement", default="", help="Replaces '*' in TXT names of wildcard records."),
    _option("--txt-encrypt-enabled", is_flag=True, default=False, help="Encrypt TXT ownership values."),
    _option("--txt-encrypt-aes-key", default="", show_default=False,
            help="AES-256 key: 32 bytes, or base64 of 32 bytes."),
    _option("--domain-filter", multiple=True, help="Limit to these domains (repeatable; '.x' = subdomains only)."),
    _option("--exclude-domains", multiple=True, help="Exclude these domains (repeatable)."),
    _option("--regex-domain-filter", default="", help="Limit to names matching this regex (wins over lists)."),
    _option("--regex-domain-exclusion", default="", help="Exclude names matching this regex."),
    _option("--managed-record-types", multiple=True, default=("A", "AAAA", "CNAME"),
            help="Record types to manage (repeatable)."),
    _option("--exclude-record-types", multiple=True, help="Record types never to manage (repeatable)."),
    _option("--publish-internal-services", is_flag=True, default=False,
            help="Publish ClusterIP Services' cluster IPs."),
    _option("--publish-host-ip", is_flag=True, default=False, help="Headless Services: use the pods' host IPs."),
    _option("--always-publish-not-ready-addresses", is_flag=True, default=False,
            help="Headless Services: publish not-ready addresses too."),
    _option("--ignore-hostname-annotation", is_flag=True, default=False, help="Ignore the hostname annotation."),
    _option("--ignore-ingress-tls-spec", is_flag=True, default=False, help="Ignore Ingress spec.tls hosts."),
    _option("--ignore-ingress-rules-spec", is_flag=True, default=False, help="Ignore Ingress spec.rules hosts."),
    _option("--ingress-class", multiple=True, help="Only Ingresses of these classes (repeatable)."),
    _option("--service-type-filter", multiple=True, help="Only Services of these types (repeatable)."),
    _option("--aws-zone-type", default="", type=click.Choice(["", "public", "private"]),
            help="Only public or private zones."),
    _option("--aws-zone-tags", multiple=True, help="Only zones with these tags, key or key=value (repeatable)."),
    _option("--aws-zone-match-parent", is_flag=True, default=False,
            help="A domain filter also selects its parent zones."),
    _option("--zone-id-filter", multiple=True, help="Only these hosted zone ids (repeatable)."),
    _option("--aws-prefer-cname", is_flag=True, default=False, help="CNAME instead of alias records."),
    _option("--aws-evaluate-target-health/--no-aws-evaluate-target-health", default=True,
            help="Default EvaluateTargetHealth of alias records."),
    _option("--aws-batch-change-size", default=1000, type=int, help="Changes per Route 53 request."),
    _option("--aws-batch-change-size-values", default=1000, type=int, help="Record values per request."),
    _option("--aws-batch-change-size-bytes", default=32000, type=int, help="Value characters per request."),
    _option("--aws-api-retries", default=5, type=int, help="Attempts per Route 53 call (standard retries)."),
    _option("--aws-assume-role", default="", help="IAM role to assume on top of the default credentials."),
    _option("--aws-assume-role-external-id", default="", help="External id for --aws-assume-role."),
    _option("--aws-endpoint-url", default="", help="Route 53 endpoint (else AWS_ENDPOINT_URL[_ROUTE_53])."),
    _option("--aws-region", default="", help="Region for the AWS clients (Route 53 is global)."),
    _option("--aws-zones-cache-duration", default="1h", callback=_duration, help="How long the zone list is cached."),
    _option("--aws-rate-limit", default=4.0, type=float, help="Route 53 requests per second for this process."),
    _option("--inmemory-zone", multiple=True, help="Zones of the inmemory provider (repeatable)."),
    _option("--kubeconfig", default="", help="Kubeconfig file (default: in-cluster, then ~/.kube/config)."),
    _option("--namespace", default="", help="Only objects in this namespace (default: all)."),
    _option("--label-filter", default="", help="Only source objects matching this label selector."),
    _option("--annotation-filter", default="", help="Only source objects whose annotations match this selector."),
    _option("--kube-api-qps", default=5.0, type=float, help="Kubernetes API requests per second."),
    _option("--kube-api-burst", default=10, type=int, help="Kubernetes API request burst."),
    _option("--leader-elect", is_flag=True, default=False, help="Run several replicas; only the leader writes."),
    _option("--leader-elect-namespace", default="", help="Namespace of the Lease (default: the pod's)."),
    _option("--leader-elect-lease-name", default="zonekeeper", help="Name of the Lease."),
    _option("--leader-elect-lease-duration", default="15s", callback=_duration, help="Lease duration."),
    _option("--leader-elect-renew-deadline", default="10s", callback=_duration,
            help="A leader that cannot renew within this stops writing."),
    _option("--leader-elect-retry-period", default="2s", callback=_duration, help="Time between lease attempts."),
    _option("--emit-events/--no-emit-events", default=True, help="Kubernetes Events on the source objects."),
    _option("--min-event-sync-interval", default="200ms", callback=_duration,
            help="Changes arriving within this window are planned together."),
    _option("--aws-records-cache-duration", default="1h", callback=_duration,
            help="How long Route 53 records are trusted from the cache before they are listed again."),
    _option("--max-delete-fraction", default=0.5, type=float,
            help="Hold a zone's deletions once they add up to more than this share of the records we own "
                 "there within --max-delete-window (docs/troubleshooting.md#mass-deletion-guard)."),
    _option("--max-delete-window", default="1h", callback=_duration,
            help="The sliding window over which deletions add up for --max-delete-fraction."),
    _option("--load-balancer-grace-period", default="5m", callback=_duration,
            help="Keep the records of a Service or Ingress whose load-balancer status emptied this long "
                 "(0 = delete at once), in case a new load balancer comes."),
    _option("--log-level", default="info", help="debug, info, warning, error."),
    _option("--log-format", default="text", type=click.Choice(["text", "json"]), help="Log line format."),
]


def _settings_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_OPTIONS):
        func = option(func)
    return func


# What `zonekeeper records` needs: reaching the zones and reading ownership, nothing about sources.
_RECORDS_FLAGS = (
    "--provider", "--registry", "--txt-owner-id", "--txt-prefix", "--txt-suffix", "--txt-wildcard-replacement",
    "--txt-encrypt-enabled", "--txt-encrypt-aes-key", "--domain-filter", "--exclude-domains",
    "--regex-domain-filter", "--regex-domain-exclusion", "--managed-record-types", "--exclude-record-types",
    "--aws-zone-type", "--aws-zone-tags", "--aws-zone-match-parent", "--zone-id-filter", "--aws-api-retries",
    "--aws-assume-role", "--aws-assume-role-external-id", "--aws-endpoint-url", "--aws-region", "--aws-rate-limit",
    "--inmemory-zone", "--log-level", "--log-format",
)


def _records_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for flag in reversed(_RECORDS_FLAGS):
        func = _BY_FLAG[flag](func)
    return func


def _settings(params: dict[str, Any]) -> Settings:
    known = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    for name, value in params.items():
        if name not in known or value is None:
            continue
        if isinstance(value, tuple):
            value = split_list(value)
            if name in ("managed_record_types", "exclude_record_types"):
                value = tuple(v.upper() for v in value)
        values[name] = value
    if values.get("provider") == "route53":
        values["provider"] = "aws"
    settings = Settings(**values)
    settings.validate()
    return settings


def _fail_config(message: str) -> None:
    click.echo(f"zonekeeper: {message}", err=True)
    sys.exit(exitcodes.USAGE)


def _desired(settings: Settings, wired: Any) -> tuple[list[Any], list[Problem]]:
    import asyncio

    from zonekeeper import live, sources

    if not settings.from_files:
        return asyncio.run(live.snapshot(settings, wired))
    store, problems = manifests.load(settings.from_files)
    result = sources.collect(live.annotation_filtered(store, settings), settings.sources, wired.source_config)
    return result.endpoints, problems + result.problems


def _prepare(params: dict[str, Any], *, with_objects: bool = True) -> tuple[Settings, Any, list[Any], list[Problem]]:
    from zonekeeper import wiring

    try:
        logs.register_secret(params.get("txt_encrypt_aes_key"))  # before anything could log it
        settings = _settings(params)
        logs.setup(settings.log_level, settings.log_format)
        logs.get("zonekeeper").debug("configuration", settings=repr(settings))  # the repr leaves secrets out
        wired = wiring.build(settings, records_cache_seconds=0.0 if settings.from_files else
                             settings.aws_records_cache_duration)
        desired, problems = _desired(settings, wired) if with_objects else ([], [])
    except (ConfigError, ValueError, manifests.ManifestError) as exc:
        _fail_config(str(exc))
        raise  # unreachable
    except Exception as exc:
        from zonekeeper.live import ClusterUnavailable

        if not isinstance(exc, ClusterUnavailable):
            raise
        click.echo(f"zonekeeper: {exc}", err=True)
        sys.exit(exitcodes.ERROR)
    return settings, wired, desired, problems


class _UsageError(click.UsageError):
    exit_code = exitcodes.USAGE  # click's own 2 would read as "changes pending"


@contextlib.contextmanager
def _usage_exit() -> Iterator[None]:
    try:
        yield
    except _UsageError:
        raise
    except click.UsageError as exc:  # unknown flags, bad choices and values
        raise _UsageError(exc.format_message(), exc.ctx) from exc


class _Main(click.Group):
    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with _usage_exit():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with _usage_exit():
            return super().invoke(ctx)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="zonekeeper")
def main() -> None:
    """Keep AWS Route 53 in step with a Kubernetes cluster (external-dns compatible)."""


@main.command()
@_settings_options
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", envvar=_env("--output"),
              help="Table or JSON.")
@click.option("--detailed-exitcode", is_flag=True, default=False, envvar=_env("--detailed-exitcode"),
              help="Exit 0 when nothing would change, 2 when something would, 3 when the only findings are "
                   "refusals (names or objects left alone), 1 on error.")
def plan(output: str, detailed_exitcode: bool, **params: Any) -> None:
    """Show what would change in DNS, without changing anything."""
    settings, wired, desired, problems = _prepare(params)
    result = wired.pipeline.run(desired, apply=False, source_problems=problems,
                                hold_deletes=manifests.deletions_unsafe(problems))
    click.echo(render_json(result) if output == "json" else render_text(result, settings))
    sys.exit(exitcodes.of_plan(result, detailed=detailed_exitcode))


@main.command()
@_settings_options
@click.option("--once", is_flag=True, default=False, envvar=_env("--once"), help="One pass, then exit.")
@click.option("--dry-run", is_flag=True, default=False, envvar=_env("--dry-run"), help="Plan and log only.")
@click.option("--interval", default="1m", callback=_duration, envvar=_env("--interval"),
              help="Time between full passes.")
@click.option("--metrics-address", default=":7979", envvar=_env("--metrics-address"), show_default=True,
              help="Serve /metrics, /healthz and /readyz here ('' = off; never with --once).")
@click.option("--readiness-max-sync-age", default="0", callback=_duration, envvar=_env("--readiness-max-sync-age"),
              help="/readyz fails when the last successful DNS sync is older (0 = 3 x --interval).")
def run(once: bool, dry_run: bool, interval: float, **params: Any) -> None:
    """Reconcile DNS with the cluster (or with --from-file objects)."""
    params = {**params, "interval": interval}
    if not params.get("from_files"):
        import asyncio

        from zonekeeper import live

        settings, wired, _, _ = _prepare(params, with_objects=False)
        sys.exit(asyncio.run(live.serve(settings, wired, once=once, dry_run=dry_run)))
    settings, wired, desired, problems = _prepare(params)
    sys.exit(_run_files(params, settings, wired, desired, problems, once=once, dry_run=dry_run))


def _run_files(params: dict[str, Any], settings: Settings, wired: Any, desired: list[Any], problems: list[Problem],
               *, once: bool, dry_run: bool) -> int:
    """`run --from-file`: re-read the files and reconcile every --interval (or once)."""
    from zonekeeper.health import Health, Vitals
    from zonekeeper.metrics import NULL_METRICS, Metrics, MetricsSink, sync_succeeded

    log = logs.get("zonekeeper")
    metrics: MetricsSink = NULL_METRICS
    vitals = Vitals()
    server = None
    if settings.metrics_address and not once:
        from zonekeeper.server import start_in_thread

        real = Metrics()
        metrics = real
        health = Health(vitals, interval=settings.interval, max_sync_age=settings.readiness_max_sync_age)
        try:
            server = start_in_thread(settings.metrics_address, real.registry, health)
        except OSError as exc:
            log.error("cannot serve metrics and health checks", metrics_address=settings.metrics_address,
                      error=str(exc))
            return exitcodes.ERROR
    try:
        while True:
            vitals.tick()
            if hasattr(wired.provider, "metrics"):
                wired.provider.metrics = metrics
            started = time.monotonic()
            # Records of objects in a file that could not be read are unknown: delete nothing then.
            result = wired.pipeline.run(desired, apply=not dry_run, source_problems=problems,
                                        hold_deletes=manifests.deletions_unsafe(problems))
            metrics.observe_pass(result, full=True, duration=time.monotonic() - started)
            if sync_succeeded(result):
                vitals.synced()
            _log_pass(log, result, dry_run)
            if once:
                return exitcodes.of_run(result)
            time.sleep(settings.interval)
            previous = wired.pipeline
            _, wired, desired, problems = _prepare(params)
            wired.pipeline.carry_guard(previous)  # a tripped deletion guard stays tripped
    finally:
        if server is not None:
            server.stop()


@main.command()
@_records_options
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", envvar=_env("--output"),
              help="Table or JSON.")
@click.option("--all-owners", is_flag=True, default=False, envvar=_env("--all-owners"),
              help="Also list records owned by other owners.")
@click.option("--unowned", is_flag=True, default=False, envvar=_env("--unowned"),
              help="Also list records of the managed types that nobody owns.")
def records(output: str, all_owners: bool, unowned: bool, **params: Any) -> None:
    """List the records zonekeeper owns in the managed zones, and names it refuses to touch."""
    from zonekeeper import inventory

    _, wired, _, _ = _prepare(params, with_objects=False)
    found = inventory.collect(wired, all_owners=all_owners, unowned=unowned)
    click.echo(inventory.render_json(found) if output == "json" else inventory.render_text(found))
    if found.errors:
        sys.exit(exitcodes.ERROR)


def _log_pass(log: Any, result: PassResult, dry_run: bool) -> None:
    from zonekeeper.controller import change_fields

    for problem in result.problems:
        log.warning("problem", subject=problem.subject, reason=problem.reason, message=problem.message)
    if result.error:
        log.error("pass failed", error=result.error)
    for outcome in result.zones:
        zone = outcome.zone
        for problem in outcome.plan.problems:
            log.warning("problem", zone=zone.name, subject=problem.subject, reason=problem.reason,
                        message=problem.message)
        if outcome.error:
            log.error("zone failed", zone=zone.name, error=outcome.error)
        applied = outcome.applied.applied if outcome.applied else []
        for change in (outcome.plan.changes if dry_run else applied):
            log.info("would change" if dry_run else "changed", **change_fields(change, zone.name))
        for change, reason in outcome.failed:
            log.error("change refused", **change_fields(change, zone.name), reason=reason)
        if not outcome.plan.changes and not outcome.error:
            log.info("zone up to date", zone=zone.name)


def entry(argv: Sequence[str] | None = None) -> None:  # pragma: no cover - thin wrapper for python -m
    main(args=argv)


if __name__ == "__main__":  # pragma: no cover
    main()
