"""Reference documentation generated from the code: every flag of every command (from the CLI's
own option objects), every annotation (from the constants the sources read) and every metric (from
the registry). The committed docs/flags.md, docs/annotations.md and docs/metrics.md are checked
against this output by a test, so they cannot drift. Regenerate with `uv run python -m zonekeeper.reference`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from zonekeeper import annotations as ann

# (annotation without prefix, objects it applies to, values, meaning)
ANNOTATIONS: tuple[tuple[str, str, str, str], ...] = (
    (ann.HOSTNAME, "Service, Ingress, Istio Gateway/VirtualService, Gateway API routes, Pod, Contour HTTPProxy, "
     "Kong TCPIngress, RouteGroup, OpenShift Route", "comma-separated FQDNs",
     "The DNS names to publish for the object (a Pod's point at its Node's external addresses)."),
    (ann.INTERNAL_HOSTNAME, "Service, Pod", "comma-separated FQDNs",
     "Names that point at the Service's cluster IPs, or at the Pod's IP."),
    (ann.TARGET, "Service, Ingress, Istio Gateway/VirtualService, Gateway API Gateway/ListenerSet, Node, Pod, "
     "Contour HTTPProxy, Kong TCPIngress, Emissary Host, Gloo Proxy, F5 VirtualServer/TransportServer, RouteGroup, "
     "OpenShift Route",
     "comma-separated IPs or hostnames", "Targets to publish instead of the load-balancer status."),
    (ann.TTL, "all", "seconds (`300`) or a duration (`10m`), 1..2147483647", "Record TTL; default 300."),
    (ann.CONTROLLER, "all", "`dns-controller`", "Objects naming another controller are left alone."),
    (ann.SET_IDENTIFIER, "all but Node, Pod and F5 VirtualServer/TransportServer", "string",
     "Route 53 SetIdentifier; needed by every routing policy."),
    (ann.ALIAS_KEY, "all", "`true`, `false`, `A`, `AAAA`",
     "Force an alias (`true`: A and AAAA, or only `A` / `AAAA`) or a plain CNAME (`false`)."),
    (ann.ACCESS, "Service (NodePort)", "`public`, `private`", "Node ExternalIP or InternalIP addresses."),
    (ann.ENDPOINTS_TYPE, "Service (headless)", "`NodeExternalIP`, `HostIP`", "Which address a pod publishes."),
    (ann.INGRESS_HOSTNAME_SOURCE, "Ingress", "`defined-hosts-only`, `annotation-only`",
     "Where an Ingress's names come from (default: both)."),
    (ann.GATEWAY_HOSTNAME_SOURCE, "Gateway API routes", "`defined-hosts-only`, `annotation-only`",
     "Where a route's names come from (default: both)."),
    (ann.INGRESS, "Istio Gateway, Gloo Gateway (gateway.solo.io)", "`[namespace/]name`",
     "An Ingress whose load-balancer status gives the targets."),
    (ann.AMBASSADOR_SERVICE_ANNOTATION, "Emissary Host (this exact name, no prefix)",
     "`namespace/name`, `name.namespace`, `name` (namespace `default`)",
     "The Service whose external IPs or load-balancer status give the Host's targets; a Host without it is not read."),
    ("aws-weight", "all", "integer 0..255", "Weighted routing."),
    ("aws-region", "all", "AWS region", "Latency routing."),
    ("aws-failover", "all", "`PRIMARY`, `SECONDARY`", "Failover routing."),
    ("aws-geolocation-continent-code", "all", "continent code", "Geolocation routing (wins over country)."),
    ("aws-geolocation-country-code", "all", "ISO country code", "Geolocation routing."),
    ("aws-geolocation-subdivision-code", "all", "subdivision code", "Geolocation routing."),
    ("aws-geoproximity-region", "all", "AWS region", "Geoproximity routing."),
    ("aws-geoproximity-local-zone-group", "all", "local zone group", "Geoproximity routing."),
    ("aws-geoproximity-coordinates", "all", "`lat,long`", "Geoproximity routing."),
    ("aws-geoproximity-bias", "all", "integer -99..99", "Geoproximity bias (default 0)."),
    ("aws-multi-value-answer", "all", "`true` (presence) or `false`", "Multivalue answer routing."),
    ("aws-health-check-id", "all", "health check id", "Route 53 health check of the record."),
    ("aws-evaluate-target-health", "all", "`true`, `false`",
     "EvaluateTargetHealth of an alias (default `--aws-evaluate-target-health`)."),
    ("aws-target-hosted-zone", "all", "hosted zone id", "Alias target zone for targets outside the built-in table."),
    ("aws-hosted-zone-id", "all", "hosted zone id", "Pin the record to one managed hosted zone."),
)


def render_annotations() -> str:
    lines = [
        "# Annotations",
        "",
        "Generated from the code (`uv run python -m zonekeeper.reference`); do not edit by hand.",
        "",
        f"By default every annotation is read under both prefixes, `{ann.GA_PREFIX}` and `{ann.ALPHA_PREFIX}`; "
        "when both are set, the GA prefix wins. `--annotation-prefix=<prefix>/` reads that prefix only "
        "(instances sharding one cluster each read their own); `--enable-legacy-annotation-prefix` adds the "
        "legacy prefix after it, and `--no-enable-legacy-annotation-prefix` reads only the one prefix "
        "(external-dns v0.23's default). A malformed value is reported against the object "
        "(log line and Kubernetes Event) and the rest of the object is still published.",
        "",
        "| annotation | applies to | values | meaning |",
        "|---|---|---|---|",
    ]
    for key, where, values, meaning in ANNOTATIONS:
        lines.append(f"| `{key}` | {where} | {values} | {meaning} |")
    lines.append("")
    lines.append(f"Also read: `{ann.INGRESS_CLASS_ANNOTATION}` (with `spec.ingressClassName`) for `--ingress-class`.")
    return "\n".join(lines) + "\n"


def _params(command: click.Command) -> list[click.Option]:
    return [p for p in command.params if isinstance(p, click.Option) and not p.hidden]


def _shown_default(option: click.Option) -> str:
    default = option.default
    if option.is_flag:
        return "off" if not default else "on"
    if isinstance(default, tuple | list):
        return ", ".join(str(d) for d in default) or "—"
    if isinstance(default, str | int | float) and default != "":
        return str(default)
    return "—"  # None, "" or click's UNSET sentinel


def _flag_row(option: click.Option) -> str:
    flag = " / ".join(f"`{o}`" for o in option.opts + option.secondary_opts)
    envs = [option.envvar] if isinstance(option.envvar, str) else list(option.envvar or ())
    env = ", ".join(f"`{e}`" for e in envs)
    repeat = " (repeatable)" if option.multiple and "repeatable" not in (option.help or "") else ""
    return f"| {flag} | {env} | {_shown_default(option)} | {(option.help or '').strip()}{repeat} |"


def render_flags() -> str:
    from zonekeeper.cli import main

    lines = [
        "# Flags",
        "",
        "Generated from the code (`uv run python -m zonekeeper.reference`); do not edit by hand.",
        "",
        "Every flag can also be set as an environment variable, shown beside it: `ZONEKEEPER_<FLAG>`, or",
        "external-dns's `EXTERNAL_DNS_<FLAG>` (the first wins when both are set). Repeatable flags take",
        "newline- or comma-separated values in the environment. Every boolean also takes `--no-<flag>`,",
        "`--<flag>=true` and `--<flag>=false`, as external-dns does.",
        "",
    ]
    assert isinstance(main, click.Group)
    for name in sorted(main.commands):
        command = main.commands[name]
        lines += [f"## zonekeeper {name}", "", (command.help or "").strip().splitlines()[0], "",
                  "| flag | environment | default | meaning |", "|---|---|---|---|"]
        lines += [_flag_row(option) for option in _params(command)]
        lines.append("")
    return "\n".join(lines + _compat_lines())


def _compat_lines() -> list[str]:
    """The external-dns flags without a row above: what each maps to, or why it is refused."""
    from zonekeeper.settings import compat
    from zonekeeper.settings.edns_flags import VERSION

    same, mapped, refused = compat.same(), compat.mapped(), compat.refused()
    total = len(same) + len(mapped) + len(refused)
    lines = [
        f"## external-dns {VERSION} flags", "",
        f"Every one of external-dns's {total} flags is accepted: {len(same)} with the same meaning (the tables "
        f"above), {len(mapped)} mapped to what zonekeeper does instead, and {len(refused)} refused with a message "
        "(exit 64). A mapped flag, when given, logs one line at start-up saying how it maps.", "",
        "Defaults that differ from external-dns's:", "",
        "| flag | why |", "|---|---|",
    ]
    lines += [f"| `--{name}` | {why} |" for name, why in sorted(compat.DEFAULT_DIFFERENCES.items())]
    lines += ["", "### Mapped", "", "| flag | what zonekeeper does |", "|---|---|"]
    lines += [f"| `{f.option}` | {compat.mapping(f.name).how} |" for f in mapped]
    lines += ["", "### Refused", "", "| flag | external-dns group | message |", "|---|---|---|"]
    lines += [f"| `{f.option}` | {f.group} | {compat.refusal(f)} |" for f in refused]
    lines.append("")
    return lines


def render_metrics() -> str:
    from zonekeeper.metrics import reference_markdown

    return reference_markdown()


DOCS = {"docs/flags.md": render_flags, "docs/annotations.md": render_annotations, "docs/metrics.md": render_metrics}


def main(root: Path) -> int:
    for rel, render in DOCS.items():
        (root / rel).write_text(render())
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()))
