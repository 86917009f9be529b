"""Helpers every source shares: tolerant field access, endpoint construction, target extraction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from zonekeeper import annotations as ann
from zonekeeper.endpoint import RESOURCE_LABEL, Endpoint, Problem, suitable_type
from zonekeeper.sources import fqdn
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.objects import Obj, ObjectView, name_of, namespace_of, resource_label

MULTIPLE_CNAME_TARGETS = "MultipleCNAMETargets"
CONFLICTING_TARGETS = "ConflictingTargets"
REFERENCE_NOT_FOUND = "ReferenceNotFound"
SOURCE_ERROR = "SourceError"

# --- tolerant access: objects from files or from the API may have any shape ---------------------


def as_map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def as_str(value: Any) -> str:
    if value.__class__ is str:  # nearly always; the ABC check below is slow (issue 12: plan --from-file)
        return value  # type: ignore[no-any-return]
    if value is None or isinstance(value, Mapping | list | tuple):
        return ""
    return str(value)


def dig(obj: Any, *path: str) -> Any:
    """obj[path[0]][path[1]]..., or None as soon as a step is missing or not a mapping."""
    current = obj
    for step in path:
        if current.__class__ is not dict and not isinstance(current, Mapping):  # dict first: the ABC check is slow
            return None
        current = current.get(step)
    return current


def str_map(value: Any) -> dict[str, str]:
    return {str(k): as_str(v) for k, v in as_map(value).items()}


def labels_of(obj: Obj) -> dict[str, str]:
    return str_map(dig(obj, "metadata", "labels"))


def dedupe(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item:
            seen.setdefault(item, None)
    return list(seen)


def resource(kind: str, obj: Obj) -> str:
    """The `resource` label and Problem subject: `<kind>/<namespace>/<name>` (`<kind>/<name>` for an
    object without a namespace)."""
    return resource_label(kind, namespace_of(obj), name_of(obj))


def selector_matches(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    """Equality-based selector match (every key/value of `selector` present in `labels`)."""
    return all(labels.get(k) == v for k, v in selector.items())


def load_balancer_targets(obj: Obj, *, ip_and_hostname: bool = True) -> list[str]:
    """Targets from `status.loadBalancer.ingress[]`.

    Services and Ingresses publish both the IP and the hostname of an entry; the Istio paths take the
    IP, else the hostname (both as external-dns does).
    """
    found: list[str] = []
    for entry in as_list(dig(obj, "status", "loadBalancer", "ingress")):
        ip = as_str(as_map(entry).get("ip")).strip()
        hostname = as_str(as_map(entry).get("hostname")).strip()
        if ip_and_hostname:
            found += [ip, hostname]
        else:
            found.append(ip or hostname)
    return dedupe(found)


# --- endpoint construction ----------------------------------------------------------------------


def endpoints_for_hostname(
    hostname: str,
    targets: Sequence[str],
    ttl: int,
    set_identifier: str,
    provider_specific: Mapping[str, str],
    resource: str,
) -> SourceResult:
    """One endpoint per record type the targets ask for (IPv4 -> A, IPv6 -> AAAA, else CNAME).

    external-dns emits a single CNAME with every hostname target, which Route 53 then refuses; a CNAME
    holds exactly one name, so we keep the lexically first and report the rest. A CNAME also cannot
    share its name with other records, so when address targets exist the hostname targets are dropped
    and reported.
    """
    result = SourceResult()
    by_type: dict[str, list[str]] = {"A": [], "AAAA": [], "CNAME": []}
    for raw in targets:
        target = ann.without_root_dot(raw.strip())
        if not target:
            continue
        why = ann.target_error(target)
        if why is not None:
            result.problems.append(
                Problem(resource, ann.INVALID_TARGET, f"hostname {hostname}: invalid target {raw!r}: {why}")
            )
            continue
        record_type = suitable_type(target)
        if record_type == "CNAME":
            target = target.lower()
        if target not in by_type[record_type]:
            by_type[record_type].append(target)

    cnames = sorted(by_type["CNAME"])
    if cnames and (by_type["A"] or by_type["AAAA"]):
        result.problems.append(
            Problem(
                resource,
                CONFLICTING_TARGETS,
                f"hostname {hostname}: a CNAME cannot coexist with address records; "
                f"publishing the IP targets and dropping {', '.join(cnames)}",
            )
        )
        cnames = []
    elif len(cnames) > 1:
        result.problems.append(
            Problem(
                resource,
                MULTIPLE_CNAME_TARGETS,
                f"hostname {hostname}: a CNAME holds one target; using {cnames[0]}, "
                f"dropping {', '.join(cnames[1:])}",
            )
        )
        cnames = cnames[:1]
    by_type["CNAME"] = cnames

    for record_type in ("A", "AAAA", "CNAME"):
        if by_type[record_type]:
            result.endpoints.append(
                Endpoint.new(
                    hostname,
                    record_type,
                    by_type[record_type],
                    ttl=ttl,
                    set_identifier=set_identifier,
                    provider_specific=provider_specific,
                    labels={RESOURCE_LABEL: resource},
                )
            )
    return result


def endpoints_for_hostnames(
    hostnames: Iterable[str],
    targets: Sequence[str],
    common: ann.Common,
    resource: str,
) -> SourceResult:
    result = SourceResult()
    for hostname in hostnames:
        result.extend(
            endpoints_for_hostname(
                hostname, targets, common.ttl, common.set_identifier, common.provider_specific, resource
            )
        )
    return result


def load_balancer_records(obj: Obj, hosts: list[str], config: SourceConfig, subject: str) -> SourceResult:
    """Records for `hosts` pointing at the object's `target` annotation, else at every IP and hostname
    of its own status.loadBalancer: the Ingress, Contour HTTPProxy and Kong TCPIngress rule."""
    result = SourceResult()
    common = ann.read_common(obj, subject, prefixes=config.annotation_prefixes,
                             alias_true_only=config.alias_true_only)
    result.problems += common.problems
    if ann.has_targets(obj, prefixes=config.annotation_prefixes):
        targets, problems = ann.targets(obj, subject, prefixes=config.annotation_prefixes)
        result.problems += problems
    else:
        targets = load_balancer_targets(obj)
    result.extend(endpoints_for_hostnames(hosts, targets, common, subject))
    return result


def finish(result: SourceResult) -> SourceResult:
    """Drop exact duplicates (a host listed in both rules and tls, say), keeping first occurrences."""
    seen: set[Endpoint] = set()
    endpoints: list[Endpoint] = []
    for endpoint in result.endpoints:
        if endpoint not in seen:
            seen.add(endpoint)
            endpoints.append(endpoint)
    problems = list(dict.fromkeys(result.problems))
    return SourceResult(endpoints, problems)


def spec_hostnames(raw_names: Iterable[Any], subject: str, where: str) -> tuple[list[str], list[Problem]]:
    """Validate hostnames read from an object's spec; `where` names the field for the message."""
    names: list[str] = []
    problems: list[Problem] = []
    for raw in raw_names:
        text = as_str(raw).strip()
        if not text:
            continue
        name, problem = ann.check_hostname(text, subject, where)
        if problem is not None:
            problems.append(problem)
        elif name is not None and name not in names:
            names.append(name)
    return names, problems


def add_annotation_hostnames(
    obj: Obj, hosts: list[str], subject: str, result: SourceResult, prefixes: ann.Prefixes
) -> None:
    """Append the hostname annotation's names to the spec's `hosts` (without repeats); its
    problems go to `result`."""
    found, problems = ann.hostnames(obj, ann.HOSTNAME, subject, prefixes=prefixes)
    hosts += [h for h in found if h not in hosts]
    result.problems += problems


def add_template_records(
    obj: Obj,
    result: SourceResult,
    config: SourceConfig,
    source: str,
    subject: str,
    records: Callable[[list[str]], SourceResult],
) -> None:
    """--fqdn-template: `records(names)` for the template's names, added to `result` when the object
    gave no records of its own (or always, with --combine-fqdn-annotation)."""
    template = config.fqdn_template
    if template is None or not fqdn.use_template(template, config.combine_fqdn_annotation, bool(result.endpoints)):
        return
    names, problems = fqdn.hostnames(template, obj, source, subject)
    result.problems += problems
    if names:
        result.extend(records(names))


def unlabelled(endpoints: Iterable[Endpoint]) -> list[Endpoint]:
    """Without the `resource` label: records external-dns makes with bare NewEndpoint (no object named)."""
    return [e.with_labels(**{RESOURCE_LABEL: None}) for e in endpoints]


def add_target_template_records(obj: Obj, result: SourceResult, config: SourceConfig, source: str,
                                subject: str) -> None:
    """--fqdn-target-template: its `host:target` pairs as records (no TTL, set identifier, properties or
    `resource` label, as external-dns makes them: their TXT names no object), added when the object gave
    no records of its own (or always, with --combine-fqdn-annotation)."""
    template = config.fqdn_target_template
    if template is None or not fqdn.use_template(template, config.combine_fqdn_annotation, bool(result.endpoints)):
        return
    pairs, problems = fqdn.host_targets(template, obj, source, subject)
    result.problems += problems
    for host, targets in pairs.items():
        made = endpoints_for_hostname(host, targets, 0, "", {}, subject)
        result.problems += made.problems
        result.endpoints += unlabelled(made.endpoints)


def publish_hosts(
    obj: Obj,
    hosts: list[str],
    result: SourceResult,
    config: SourceConfig,
    source: str,
    subject: str,
    records: Callable[[list[str]], SourceResult],
) -> SourceResult:
    """What a source does once it has the names its spec asks for: add the hostname annotation's
    (unless --ignore-hostname-annotation), their `records`, then --fqdn-template's (add_template_records)."""
    if not config.ignore_hostname_annotation:
        add_annotation_hostnames(obj, hosts, subject, result, config.annotation_prefixes)
    if hosts:
        result.extend(records(hosts))
    add_template_records(obj, result, config, source, subject, records)
    return finish(result)


def records_for(
    obj: Obj, hosts: list[str], config: SourceConfig, subject: str, own_targets: Callable[[], list[str]]
) -> SourceResult:
    """The records of `hosts` with the object's TTL, set identifier and provider-specific annotations:
    the `target` annotation's targets, else `own_targets()` (what the object's status says)."""
    result = SourceResult()
    common = ann.read_common(obj, subject, prefixes=config.annotation_prefixes, alias_true_only=config.alias_true_only)
    result.problems += common.problems
    if ann.has_targets(obj, prefixes=config.annotation_prefixes):
        targets, problems = ann.targets(obj, subject, prefixes=config.annotation_prefixes)
        result.problems += problems
    else:
        targets = own_targets()
    result.extend(endpoints_for_hostnames(hosts, targets, common, subject))
    return result
def only_itself(kind: str) -> Callable[[str, Obj, ObjectView], Iterator[tuple[str, str]]]:
    """The `dependents` of a source that reads nothing but its primary objects of `kind` (their own
    annotations and spec): a change re-plans the changed object alone."""
    def dependents(changed: str, obj: Obj, view: ObjectView) -> Iterator[tuple[str, str]]:
        if changed == kind:
            yield namespace_of(obj), name_of(obj)

    return dependents
