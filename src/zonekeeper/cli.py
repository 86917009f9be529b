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
from typing import TYPE_CHECKING, Any

import click

from zonekeeper import config, exitcodes, logs, manifests
from zonekeeper.config import FLAGS, ConfigError, Settings, parse_duration, split_list
from zonekeeper.endpoint import Problem
from zonekeeper.pipeline import PassResult
from zonekeeper.report import render_json, render_text
from zonekeeper.settings import compat
from zonekeeper.settings.argv import normalize_booleans
from zonekeeper.settings.edns_flag import EdnsFlag
from zonekeeper.settings.flag import Flag, env_name, env_names, format_duration

if TYPE_CHECKING:
    from zonekeeper.wiring import Wiring

_BY_FIELD: dict[str, Flag] = {flag.field: flag for flag in FLAGS}
_EDNS = compat.by_name()
# The external-dns flags we accept without a settings row (mapped or refused), by click parameter name.
_EXTRA_PREFIX = "edns__"


def _duration(_ctx: click.Context, _param: click.Parameter, value: Any) -> float | None:
    if value is None:
        return None
    try:
        return parse_duration(str(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


_CLICK_TYPES: dict[str, Any] = {"int": int, "float": float, "path": click.Path()}


def _bool_decl(name: str) -> str:
    """Every boolean, as in external-dns (kingpin), also has `--no-<name>` (and `=true`/`=false`,
    zonekeeper.settings.argv)."""
    return f"--{name}/--no-{name}"


class _Choice(click.Choice):  # type: ignore[type-arg]
    """Our values, shown in --help; external-dns's other values are let through too, so that
    `--provider=google` gets our message (the settings' validate) rather than click's."""

    def __init__(self, shown: Sequence[str], also: Sequence[str]) -> None:
        super().__init__(shown)
        self.also = frozenset(also)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return value if value in self.also else super().convert(value, param, ctx)


def _choices(flag: Flag) -> click.Choice:  # type: ignore[type-arg]
    edns = _EDNS.get(flag.name)
    return _Choice(flag.choices, edns.choices if edns else ())


class _WholeText(click.types.StringParamType):
    """Text whose environment value is one value, not split on whitespace (Flag.split False)."""

    def split_envvar_value(self, rv: str) -> Sequence[str]:
        return (rv,) if rv else ()


def _option(flag: Flag) -> Callable[[Any], Any]:
    """The click option of one table row; its default is the settings field's."""
    default = config.default(flag.field)
    kwargs: dict[str, Any] = {"help": flag.help, "show_default": flag.show_default, "envvar": list(flag.envs)}
    decl = _bool_decl(flag.name) if flag.kind == "bool" else flag.option
    if flag.kind == "duration":
        kwargs["callback"] = _duration
        default = format_duration(default)
    if flag.choices:
        kwargs["type"] = _choices(flag)
    elif flag.kind in _CLICK_TYPES:
        kwargs["type"] = _CLICK_TYPES[flag.kind]
    elif not flag.split:
        kwargs["type"] = _WholeText()
    return click.option(decl, flag.field, default=default, multiple=flag.repeatable, **kwargs)


def _extra_option(flag: EdnsFlag) -> Callable[[Any], Any]:
    """An external-dns flag without a settings row: accepted as text (hidden from --help; docs/flags.md
    lists them), then mapped or refused by zonekeeper.settings.compat."""
    decl = _bool_decl(flag.name) if flag.kind == "bool" else flag.option
    return click.option(decl, _EXTRA_PREFIX + flag.name.replace("-", "_"), default=None,
                        multiple=flag.kind == "repeatable", hidden=True, envvar=list(env_names(flag.name)))


def _flag_options(command: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Every settings flag of `command`, in table order."""
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for extra in reversed(compat.extra()):
            if extra.name not in compat.COMMAND_OPTIONS:
                func = _extra_option(extra)(func)
        for flag in reversed(FLAGS):
            if command in flag.commands:
                func = _option(flag)(func)
        return func

    return decorate


def _extras_given(params: dict[str, Any]) -> dict[str, Any]:
    """The mapped and refused external-dns flags set on the command line or in the environment."""
    return {name.removeprefix(_EXTRA_PREFIX).replace("_", "-"): value for name, value in params.items()
            if name.startswith(_EXTRA_PREFIX) and value is not None and value != ()}


def _explicit_fields(params: dict[str, Any]) -> frozenset[str]:
    """Settings fields whose own flag was given (they win over a mapped flag's value)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:  # parsed outside a command (tests): what differs from the default
        return frozenset(n for n, v in params.items() if n in _BY_FIELD and v is not None
                         and v != _option_default(_BY_FIELD[n]))
    return frozenset(n for n in params if n in _BY_FIELD
                     and ctx.get_parameter_source(n) not in (None, click.core.ParameterSource.DEFAULT))


def _option_default(flag: Flag) -> Any:
    default = config.default(flag.field)
    return parse_duration(format_duration(default)) if flag.kind == "duration" else default


def _parse(params: dict[str, Any]) -> tuple[Settings, compat.Resolution]:
    resolution = compat.resolve(_extras_given(params), _explicit_fields(params))
    values: dict[str, Any] = {}
    for name, value in params.items():
        flag = _BY_FIELD.get(name)
        if flag is None or value is None:
            continue
        if isinstance(value, tuple) and flag.split:
            value = split_list(value)
        values[name] = flag.convert(value) if flag.convert else value
    settings = Settings.of(**(values | resolution.values))
    settings.validate()
    return settings, resolution


def _settings(params: dict[str, Any]) -> Settings:
    return _parse(params)[0]


def _fail_config(message: str) -> None:
    click.echo(f"zonekeeper: {message}", err=True)
    sys.exit(exitcodes.USAGE)


def _desired(settings: Settings, wired: Wiring) -> tuple[list[Any], list[Problem]]:
    import asyncio

    from zonekeeper import connectorfeed, lbresolve, sources
    from zonekeeper.annotationfilter import annotation_filtered

    if not settings.source.from_files:
        from zonekeeper import live

        return asyncio.run(live.snapshot(settings, wired))
    store, problems = manifests.load(settings.source.from_files)
    view = annotation_filtered(store, settings, wired.source_config)
    config = lbresolve.prepared(wired.source_config, view)
    connected = asyncio.run(connectorfeed.connected(settings.source, config))
    result = sources.collect(view, settings.source.sources, config, connected)
    return result.endpoints, problems + result.problems


def _prepare(params: dict[str, Any], *, with_objects: bool = True,
             checks_drift: bool = False) -> tuple[Settings, Wiring, list[Any], list[Problem]]:
    from zonekeeper import wiring

    try:
        logs.register_secret(params.get("txt_encrypt_aes_key"))  # before anything could log it
        settings, resolution = _parse(params)
        logs.setup(settings.serving.log_level, settings.serving.log_format)
        for note in resolution.notes:  # one line per external-dns flag zonekeeper maps
            logs.get("zonekeeper").info(note)
        for warning in resolution.warnings:  # one line per refused flag given at its default
            logs.get("zonekeeper").warning(warning)
        logs.get("zonekeeper").debug("configuration", settings=repr(settings))  # the repr leaves secrets out
        wired = wiring.build(settings, records_cache_seconds=0.0 if settings.source.from_files else
                             settings.provider.aws_records_cache_duration, checks_drift=checks_drift)
        desired, problems = _desired(settings, wired) if with_objects else ([], [])
    except (ConfigError, ValueError, manifests.ManifestError) as exc:
        _fail_config(str(exc))
        raise  # unreachable
    except Exception as exc:
        from zonekeeper.connectorfeed import ConnectorUnavailable
        from zonekeeper.live import ClusterUnavailable

        if not isinstance(exc, ClusterUnavailable | ConnectorUnavailable):
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


class _Command(click.Command):
    """A subcommand whose booleans also take kingpin's `--flag=true` / `--flag=false`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        booleans = {o.lstrip("-") for p in self.params if isinstance(p, click.Option) and p.secondary_opts
                    for o in p.opts}
        return super().parse_args(ctx, normalize_booleans(args, booleans))


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


@main.command(cls=_Command)
@_flag_options("plan")
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", envvar=env_name("--output"),
              help="Table or JSON.")
@click.option("--detailed-exitcode", is_flag=True, default=False, envvar=env_name("--detailed-exitcode"),
              help="Exit 0 when nothing would change, 2 when something would, 3 when the only findings are "
                   "refusals (names or objects left alone), 1 on error.")
def plan(output: str, detailed_exitcode: bool, **params: Any) -> None:
    """Show what would change in DNS, without changing anything."""
    with manifests.gc_paused():  # one short run: its objects live until it exits
        settings, wired, desired, problems = _prepare(params)
        result = wired.pipeline.run(desired, apply=False, source_problems=problems,
                                    hold_deletes=manifests.deletions_unsafe(problems))
    click.echo(render_json(result) if output == "json" else render_text(result, settings))
    sys.exit(exitcodes.of_plan(result, detailed=detailed_exitcode))


@main.command(cls=_Command)
@_flag_options("run")
@click.option("--once/--no-once", default=False, envvar=list(env_names("once")), help="One pass, then exit.")
@click.option("--dry-run/--no-dry-run", default=False, envvar=list(env_names("dry-run")),
              help="Plan and log only.")
def run(once: bool, dry_run: bool, **params: Any) -> None:
    """Reconcile DNS with the cluster (or with --from-file objects)."""
    if not params.get("from_files"):
        import asyncio

        from zonekeeper import live

        settings, wired, _, _ = _prepare(params, with_objects=False, checks_drift=not once)
        sys.exit(asyncio.run(live.serve(settings, wired, once=once, dry_run=dry_run, own_process=True)))
    settings, wired, desired, problems = _prepare(params)
    sys.exit(_run_files(params, settings, wired, desired, problems, once=once, dry_run=dry_run))


def _run_files(params: dict[str, Any], settings: Settings, wired: Wiring, desired: list[Any], problems: list[Problem],
               *, once: bool, dry_run: bool) -> int:
    """`run --from-file`: re-read the files and reconcile every --interval (or once)."""
    from zonekeeper.health import Health, Vitals
    from zonekeeper.metrics import NULL_METRICS, Metrics, MetricsSink, sync_succeeded

    log = logs.get("zonekeeper")
    metrics: MetricsSink = NULL_METRICS
    vitals = Vitals()
    server = None
    serving, interval = settings.serving, settings.controller.interval
    if serving.metrics_address and not once:
        from zonekeeper.server import start_in_thread

        real = Metrics(record_types=wired.pipeline.options.plan.managed)
        metrics = real
        health = Health(vitals, interval=interval, max_sync_age=serving.readiness_max_sync_age)
        try:
            server = start_in_thread(serving.metrics_address, real.registry, health)
        except OSError as exc:
            log.error("cannot serve metrics and health checks", metrics_address=serving.metrics_address,
                      error=str(exc))
            return exitcodes.ERROR
    try:
        while True:
            vitals.tick()
            wired.provider.metrics = metrics  # each pass re-wires (the files are read again)
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
            time.sleep(interval)
            previous = wired.pipeline
            _, wired, desired, problems = _prepare(params)
            wired.pipeline.carry_guard(previous)  # a tripped deletion guard stays tripped
    finally:
        if server is not None:
            server.stop()


@main.command(cls=_Command)
@_flag_options("records")
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", envvar=env_name("--output"),
              help="Table or JSON.")
@click.option("--all-owners", is_flag=True, default=False, envvar=env_name("--all-owners"),
              help="Also list records owned by other owners.")
@click.option("--unowned", is_flag=True, default=False, envvar=env_name("--unowned"),
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
    for error in result.pass_errors:
        log.error("pass failed", error=error)
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
