"""`--fqdn-template` and `--fqdn-target-template`: names (and targets) for objects from Go templates
over the object — pure.

As in external-dns v0.23, every `--fqdn-template` value is parsed on its own (an error names it),
then all are joined with "," into one template; its output, split on ",", trimmed, without a
trailing dot, de-duplicated and sorted, is the object's list of names. A source uses those names
when the object gave it no records of its own, or in addition with `--combine-fqdn-annotation`
(see `use_template`).

`--fqdn-target-template` is read the same way; each item of its output is a `host:target` pair
(split at the first ":", so an IPv6 target stays whole), giving `host` a record of `target` (A, AAAA
or CNAME by its form). external-dns's service, node and pod sources read it, before --fqdn-template:
an object for which it gives records is not named by --fqdn-template too (unless combining).
`--target-template` is read by none of the sources zonekeeper has (external-dns's gloo, traefik, f5
and unstructured sources only): it is validated and changes nothing, as with external-dns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zonekeeper import annotations as ann
from zonekeeper.endpoint import Problem
from zonekeeper.sources import gotemplate
from zonekeeper.sources.objects import Obj

FLAG = "--fqdn-template"
TARGET_FLAG = "--fqdn-target-template"
TEMPLATE_ERROR = "TemplateError"

# isSource accepts exactly external-dns's source names (a typo fails instead of never matching).
EXTERNAL_DNS_SOURCES = (
    "node", "service", "ingress", "pod", "gateway-httproute", "gateway-grpcroute", "gateway-tlsroute",
    "gateway-tcproute", "gateway-udproute", "istio-gateway", "istio-virtualservice", "ambassador-host",
    "contour-httpproxy", "gloo-proxy", "traefik-proxy", "openshift-route", "fake", "empty", "connector", "crd",
    "skipper-routegroup", "kong-tcpingress", "f5-virtualserver", "f5-transportserver", "unstructured",
)


@dataclass(frozen=True, slots=True)
class FqdnTemplate:
    text: str  # the joined template, as messages quote it
    template: gotemplate.Template
    flag: str = FLAG  # the flag it came from, as messages name it


def compile_templates(values: tuple[str, ...], flag: str = FLAG) -> FqdnTemplate | None:
    """The joined template, or None when no value has any text; ValueError names the bad value."""
    kept: list[str] = []
    for i, value in enumerate(values):
        try:
            gotemplate.parse(",".join([*kept, value]))
        except gotemplate.TemplateError as exc:
            raise ValueError(f"{flag}[{i}] {value!r}: {exc}") from exc
        if value.strip() and value not in kept:
            kept.append(value)
    text = ",".join(kept)
    if not text.strip():
        return None
    return FqdnTemplate(text, gotemplate.parse(text), flag)


def template_data(obj: Obj) -> dict[str, Any]:
    """The object as a template sees it: Go's typed field names at the top (`.Name`, `.Labels`, ...),
    the rest as the object's own (JSON) keys, reachable with Go's names too (see gotemplate.field)."""
    metadata = obj.get("metadata")
    meta: Mapping[str, Any] = metadata if isinstance(metadata, Mapping) else {}
    api_version = obj.get("apiVersion") if isinstance(obj.get("apiVersion"), str) else ""
    return {
        "Name": meta.get("name", ""),
        "Namespace": meta.get("namespace", ""),
        "Kind": obj.get("kind", ""),
        "APIVersion": api_version,
        "Labels": dict(meta.get("labels") or {}),
        "Annotations": dict(meta.get("annotations") or {}),
        "ObjectMeta": meta,
        "Metadata": meta,
        "Spec": obj.get("spec") or {},
        "Status": obj.get("status") or {},
        "Object": obj,
    }


def _items(fqdn: FqdnTemplate, obj: Obj, source: str, subject: str) -> tuple[list[str], list[Problem]]:
    """The template's output split on ",", trimmed, without a trailing dot, de-duplicated and sorted."""
    try:
        output = gotemplate.execute(fqdn.template, template_data(obj), source, EXTERNAL_DNS_SOURCES)
    except gotemplate.TemplateError as exc:
        return [], [Problem(subject, TEMPLATE_ERROR, f"{fqdn.flag} {fqdn.text!r}: {exc}")]
    return sorted({ann.without_root_dot(part.strip()) for part in output.split(",")} - {""}), []


def host_targets(fqdn: FqdnTemplate, obj: Obj, source: str, subject: str
                 ) -> tuple[dict[str, list[str]], list[Problem]]:
    """--fqdn-target-template: host -> its targets, in output order. An item without ":" or with an
    empty side is skipped, as external-dns skips it (a field not populated yet); a bad host is a Problem."""
    items, problems = _items(fqdn, obj, source, subject)
    found: dict[str, list[str]] = {}
    for item in items:
        host, sep, target = item.partition(":")
        host, target = host.strip(), target.strip()
        if not sep or not host or not target:
            continue
        name, problem = ann.check_hostname(host, subject, f"{fqdn.flag} {fqdn.text!r}")
        if problem is not None:
            problems.append(problem)
        elif name is not None:
            found.setdefault(name, []).append(target)
    return found, problems


def hostnames(fqdn: FqdnTemplate, obj: Obj, source: str, subject: str) -> tuple[list[str], list[Problem]]:
    """The valid names the template gives `obj`; a failure or a bad name is a Problem naming the template."""
    raw, problems = _items(fqdn, obj, source, subject)
    names: list[str] = []
    for part in raw:
        name, problem = ann.check_hostname(part, subject, f"{FLAG} {fqdn.text!r}")
        if problem is not None:
            problems.append(problem)
        elif name is not None and name not in names:
            names.append(name)
    return names, problems


def use_template(fqdn: FqdnTemplate | None, combine: bool, has_own_records: bool) -> bool:
    """external-dns's rule: the template names an object that produced no records of its own, or every
    object with --combine-fqdn-annotation."""
    return fqdn is not None and (combine or not has_own_records)
