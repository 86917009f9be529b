"""external-dns's flags, each classified exactly once: same meaning, mapped, or refused.

An existing external-dns deployment switching images must never die on "No such option": every
flag external-dns defines (zonekeeper.settings.edns_flags, generated from its source) is accepted.

- same meaning: a `Flag` row of a settings table (or one of `run`'s own options, COMMAND_OPTIONS);
  where our default differs from external-dns's, DEFAULT_DIFFERENCES says why.
- mapped: zonekeeper does the job another way (MAPPED). When given, the flag logs one start-up
  line saying how it maps, and its value fills our equivalent setting when there is one (unless that
  setting's own flag was given too: ours wins, as external-dns's own replacement flags win).
- refused: everything else, COMPUTED as (external-dns flags) - (ours) - (mapped), so a new `Flag`
  row leaves this set by itself. Given, it stops start-up with a ConfigError (exit 64) naming the
  flag and what zonekeeper does not support -- unless it is given at external-dns's default (a Helm
  chart renders every value, `--gloo-namespace=gloo-system` included): that changes nothing in
  external-dns either, so it is accepted with one warning line (`at_default`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zonekeeper.settings.edns_flag import EdnsFlag
from zonekeeper.settings.edns_flags import FLAGS as EDNS_FLAGS
from zonekeeper.settings.flag import ConfigError, parse_duration

# `zonekeeper run`'s own options with external-dns's meaning (not settings rows: they steer the command).
COMMAND_OPTIONS = ("once", "dry-run")

# Flags of ours whose default is not external-dns's, and why (a test keeps this list complete).
DEFAULT_DIFFERENCES: dict[str, str] = {
    "aws-api-retries": "5 attempts, not 3: Route 53's account-wide limit of 5 requests/s throttles often, "
                       "and a throttled call should not fail the pass",
    "annotation-prefix": "empty, not external-dns.kubernetes.io/: without the flag zonekeeper reads both "
                         "the GA and the legacy alpha prefix (docs/migration.md, \"Annotation prefixes\"); "
                         "given, only that prefix is read, as in external-dns",
    "enable-legacy-annotation-prefix": "on, not off: zonekeeper reads the alpha prefix by default, so a "
                                       "cluster annotated for external-dns before v0.22 keeps its records; "
                                       "--no-enable-legacy-annotation-prefix is external-dns's default",
    "aws-zones-cache-duration": "1h, not 0 (off): zones come and go rarely and ListHostedZones would "
                                "otherwise be paid on every incremental pass",
    "min-event-sync-interval": "200ms, not 5s: an incremental pass reads no Route 53 records (they are "
                               "cached), so changes can go out sooner",
    "policy": "sync, not empty: external-dns requires --policy (its chart passes sync)",
    "provider": "aws, not empty: external-dns requires --provider",
    "source": "service,ingress, not empty: external-dns requires --source",
}


@dataclass(frozen=True, slots=True)
class Mapped:
    name: str
    how: str  # the rest of the log line, after "--<name>=<value>: "
    field: str = ""  # the settings field the value fills, if we have an equivalent
    convert: Callable[[Any], Any] = parse_duration


MAPPED: tuple[Mapped, ...] = (
    Mapped("events", "zonekeeper always reconciles on Kubernetes changes (it watches every source) and runs "
                     "a full pass every --interval; there is nothing to switch on"),
    Mapped("provider-cache-time", "zonekeeper caches each zone's Route 53 records and keeps them current from "
                                  "its own writes; changes made behind its back are re-read every "
                                  "--aws-records-cache-duration, which this value sets",
           field="aws_records_cache_duration"),
    Mapped("txt-cache-interval", "ownership TXT records live in zonekeeper's one Route 53 record cache, kept "
                                 "current from its own writes and re-read every --aws-records-cache-duration, "
                                 "which this value sets", field="aws_records_cache_duration"),
    Mapped("aws-batch-change-interval", "zonekeeper paces Route 53 requests with --aws-rate-limit (requests per "
                                        "second) rather than a pause between change batches"),
    Mapped("batch-change-size", "read only by external-dns's cloudflare provider; Route 53 batches follow "
                                "--aws-batch-change-size, --aws-batch-change-size-values and "
                                "--aws-batch-change-size-bytes"),
    Mapped("batch-change-interval", "read only by external-dns's cloudflare provider; zonekeeper paces Route 53 "
                                    "requests with --aws-rate-limit"),
    Mapped("request-timeout", "deprecated in external-dns for --kube-api-request-timeout, which this value sets "
                              "(unless that flag is given too, as in external-dns)",
           field="kube_api_request_timeout"),
    Mapped("listen-endpoint-events", "zonekeeper watches EndpointSlices whenever the service source needs them "
                                     "(headless Services) and reconciles on their changes"),
)
_MAPPED = {m.name: m for m in MAPPED}

# Source-specific flags: the external-dns source they belong to.
_SOURCE_OF = {
    "gloo-namespace": "gloo-proxy", "skipper-routegroup-groupversion": "skipper-routegroup",
    "crd-source-apiversion": "crd", "crd-source-kind": "crd",
    "gateway-label-filter": "gateway-httproute", "gateway-name": "gateway-httproute",
    "gateway-namespace": "gateway-httproute", "gateway-listener-sets": "gateway-httproute",
    "openshift-router-name": "openshift-route", "pod-source-domain": "pod", "ignore-non-host-network-pods": "pod",
    "traefik-enable-legacy": "traefik-proxy", "traefik-disable-new": "traefik-proxy",
    "unstructured-resource": "unstructured", "expose-internal-ipv6": "node", "exclude-unschedulable": "node",
}
# Flags filed under a general section by external-dns but read by one provider only.
_PROVIDER_OF = {"zone-name-filter": "azure"}


def by_name() -> dict[str, EdnsFlag]:
    return {f.name: f for f in EDNS_FLAGS}


def ours() -> frozenset[str]:
    """The external-dns spellings zonekeeper reads with the same meaning."""
    from zonekeeper.config import FLAGS

    return frozenset(f.name for f in FLAGS) | frozenset(COMMAND_OPTIONS)


def same() -> tuple[EdnsFlag, ...]:
    mine = ours()
    return tuple(f for f in EDNS_FLAGS if f.name in mine)


def mapped() -> tuple[EdnsFlag, ...]:
    mine = ours()
    return tuple(f for f in EDNS_FLAGS if f.name in _MAPPED and f.name not in mine)


def refused() -> tuple[EdnsFlag, ...]:
    """Computed: what is neither ours nor mapped."""
    mine = ours()
    return tuple(f for f in EDNS_FLAGS if f.name not in mine and f.name not in _MAPPED)


def extra() -> tuple[EdnsFlag, ...]:
    """The external-dns flags the CLI adds beside our own rows: mapped and refused ones."""
    mine = ours()
    return tuple(f for f in EDNS_FLAGS if f.name not in mine)


def mapping(name: str) -> Mapped:
    return _MAPPED[name]


def _provider_of(flag: EdnsFlag) -> str:
    if flag.name in _PROVIDER_OF:
        return _PROVIDER_OF[flag.name]
    return flag.group.removeprefix("provider ") if flag.group.startswith("provider ") else ""


def refusal(flag: EdnsFlag) -> str:
    """Why `flag` is refused, naming it and what zonekeeper does not support."""
    from zonekeeper.settings.registry import REGISTRIES
    from zonekeeper.settings.source import source_names

    provider = _provider_of(flag)
    if provider and provider != "aws":
        noun = "providers" if "," in provider else "provider"
        return f"{flag.option} belongs to the {provider} {noun}; zonekeeper supports only --provider=aws"
    if flag.group.startswith("registry "):
        registry = flag.group.removeprefix("registry ")
        return (f"{flag.option} belongs to the {registry} registry; zonekeeper supports "
                f"--registry={' or '.join(REGISTRIES)}")
    source = _SOURCE_OF.get(flag.name)
    if source and source not in source_names():
        return (f"{flag.option} belongs to the {source} source; zonekeeper's sources are "
                f"{', '.join(source_names())}")
    if source:
        return f"{flag.option} (of the {source} source) is not supported yet by zonekeeper"
    return f"{flag.option} is not supported yet by zonekeeper"


@dataclass(frozen=True, slots=True)
class Resolution:
    """What the mapped and refused flags given amount to."""

    values: dict[str, Any] = field(default_factory=dict)  # settings fields filled by mapped flags
    notes: tuple[str, ...] = ()  # one start-up log line per mapped flag given
    warnings: tuple[str, ...] = ()  # one start-up warning per refused flag given at its default


def at_default(flag: EdnsFlag, raw: Any) -> bool:
    """Whether `raw` (as the command line gives it: text, a bool, a tuple of texts) is external-dns's
    default of `flag`, read as external-dns reads that kind."""
    from zonekeeper.settings.flag import split_list

    default = flag.default
    try:
        if flag.kind == "bool":
            return bool(raw) is default
        if flag.kind == "repeatable":
            return split_list(tuple(raw)) == default
        if flag.kind == "duration":
            return parse_duration(str(raw)) == parse_duration(str(default).replace("m0s", "m"))
        if flag.kind == "int":
            return int(str(raw)) == default
    except ValueError:
        return False
    return str(raw) == default


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    return str(value)


def resolve(given: Mapping[str, Any], explicit_fields: frozenset[str] = frozenset()) -> Resolution:
    """`given`: the extra flags set on the command line or in the environment, by name. Refused ones
    raise one ConfigError naming each; mapped ones give their note and, unless the user set that
    setting's own flag (`explicit_fields`), their value (several onto one field: the smallest)."""
    flags = by_name()
    unmapped = [name for name in given if name not in _MAPPED]
    refusals = [refusal(flags[name]) for name in unmapped if not at_default(flags[name], given[name])]
    if refusals:
        raise ConfigError("; ".join(refusals))
    warnings = tuple(f"--{name}={_shown(given[name])} is external-dns's default and changes nothing; accepted, "
                     f"but {refusal(flags[name]).removeprefix(flags[name].option + ' ')}" for name in unmapped)
    values: dict[str, Any] = {}
    notes: list[str] = []
    for name, raw in given.items():
        if name not in _MAPPED:
            continue
        entry = _MAPPED[name]
        notes.append(f"--{name}={_shown(raw)}: {entry.how}")
        if not entry.field or entry.field in explicit_fields:
            continue
        try:
            value = entry.convert(raw)
        except ValueError as exc:
            raise ConfigError(f"--{name}: {exc}") from exc
        values[entry.field] = min(value, values[entry.field]) if entry.field in values else value
    return Resolution(values, tuple(notes), warnings)
