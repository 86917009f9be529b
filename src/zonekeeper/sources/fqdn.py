"""`--fqdn-template`: names for objects from a Go template over the object — pure.

As in external-dns v0.23, every `--fqdn-template` value is parsed on its own (an error names it),
then all are joined with "," into one template; its output, split on ",", trimmed, without a
trailing dot, de-duplicated and sorted, is the object's list of names. A source uses those names
when the object gave it no records of its own, or in addition with `--combine-fqdn-annotation`
(see `use_template`).
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


def compile_templates(values: tuple[str, ...]) -> FqdnTemplate | None:
    """The joined template, or None when no value has any text; ValueError names the bad value."""
    kept: list[str] = []
    for i, value in enumerate(values):
        try:
            gotemplate.parse(",".join([*kept, value]))
        except gotemplate.TemplateError as exc:
            raise ValueError(f"{FLAG}[{i}] {value!r}: {exc}") from exc
        if value.strip() and value not in kept:
            kept.append(value)
    text = ",".join(kept)
    if not text.strip():
        return None
    return FqdnTemplate(text, gotemplate.parse(text))


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


def hostnames(fqdn: FqdnTemplate, obj: Obj, source: str, subject: str) -> tuple[list[str], list[Problem]]:
    """The valid names the template gives `obj`; a failure or a bad name is a Problem naming the template."""
    try:
        output = gotemplate.execute(fqdn.template, template_data(obj), source, EXTERNAL_DNS_SOURCES)
    except gotemplate.TemplateError as exc:
        return [], [Problem(subject, TEMPLATE_ERROR, f"{FLAG} {fqdn.text!r}: {exc}")]
    raw = sorted({ann.without_root_dot(part.strip()) for part in output.split(",")} - {""})
    names: list[str] = []
    problems: list[Problem] = []
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
