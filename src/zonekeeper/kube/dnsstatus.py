"""Whether a source object's records are programmed, and how each kind says so in its status (pure).

One outcome per object (`outcome`), written by the kind's own rule:

* Services: a `DNSRecordsProgrammed` condition in `status.conditions` (a list-map keyed by `type` in
  the built-in schema), sent as a server-side apply under zonekeeper's field manager: the apply names
  only that condition, so every other field stays with its owner (`service_apply`).
* Gateway API routes: one `status.parents` entry per Gateway parentRef, under zonekeeper's controller
  name, holding the same condition. Upstream's CRDs declare `status.parents` atomic, so server-side
  apply would own (and replace) the whole list: the list is rewritten from the informer's copy (kept
  whole) with the other controllers' entries as they are, and sent conditional on that copy's
  resourceVersion (`route_parents`).
* DNSEndpoints: their `Programmed`/`Ready` conditions (zonekeeper.kube.status).
* Ingresses: IngressStatus has no conditions (the apiserver refuses `status.conditions`: "field not
  declared in schema"), so the same condition, as JSON, is the annotation
  `zonekeeper.io/dns-records-programmed`, server-side applied through the status subresource (which
  takes metadata for Ingresses): `patch` on `ingresses/status` only, never on the Ingress (its spec);
  `kubectl describe ingress` shows it (`ingress_apply`).

An object that gives no records and no problem is not ours to describe: its condition (or entry) is
removed if it has one, and nothing is written otherwise (10,000 unrelated Services get no status).

`status_only_change` tells the controller that an update changed nothing but the status fields these
writers own (ours, or a gateway controller's parents): no source reads them, so no pass is planned.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from zonekeeper.endpoint import Problem
from zonekeeper.sources.objects import (
    DNSENDPOINTS,
    GRPCROUTES,
    HTTPROUTES,
    INGRESSES,
    SERVICES,
    TCPROUTES,
    TLSROUTES,
    UDPROUTES,
    Obj,
    meta,
)

CONDITION: Final = "DNSRecordsProgrammed"
FIELD_MANAGER: Final = "zonekeeper"
DEFAULT_CONTROLLER_NAME: Final = "zonekeeper.io/dns-controller"
ROUTE_KINDS: Final = frozenset({HTTPROUTES, GRPCROUTES, TLSROUTES, TCPROUTES, UDPROUTES})
GATEWAY_GROUP: Final = "gateway.networking.k8s.io"
# RouteStatus.parents holds at most 32 entries (the CRD's maxItems).
MAX_PARENTS: Final = 32

# metav1.Condition's limits: a reason is CamelCase-ish, at most 1024 characters; a message 32768.
REASON_LIMIT: Final = 1024
MESSAGE_LIMIT: Final = 32768
_REASON_DISALLOWED = re.compile(r"[^A-Za-z0-9_,:]")
# controllerName: a domain-prefixed path (Gateway API's GatewayController format).
CONTROLLER_NAME_PATTERN: Final = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$")

# An Ingress's condition, for want of status conditions in its API.
INGRESS_ANNOTATION: Final = "zonekeeper.io/dns-records-programmed"

# The status fields each kind's writer owns; an update that changes only these is no change to DNS.
OWN_STATUS_FIELDS: Final[Mapping[str, frozenset[str]]] = {
    SERVICES: frozenset({"conditions"}),
    INGRESSES: frozenset(),
    DNSENDPOINTS: frozenset({"conditions", "observedGeneration"}),
    **{kind: frozenset({"parents"}) for kind in ROUTE_KINDS},
}
# The annotations each kind's writer owns.
OWN_ANNOTATIONS: Final[Mapping[str, frozenset[str]]] = {INGRESSES: frozenset({INGRESS_ANNOTATION})}


@dataclass(slots=True, frozen=True)
class Outcome:
    """What an object's condition says: programmed or not, why, in words."""

    ok: bool
    reason: str
    message: str


PROGRAMMED: Final = Outcome(True, "Programmed", "all records are in Route 53")
PENDING: Final = Outcome(False, "Pending", "the deletion guard holds this object's DNS changes back")


def outcome(label: str, failed: Mapping[str, str], problems: Mapping[str, Problem], *, pending: bool,
            conflict_reasons: frozenset[str] = frozenset()) -> Outcome:
    """The outcome for the object with `resource` label `label`: a refused change first, then its first
    problem (ownership conflicts under one reason, as their Events), then changes held back (`pending`)."""
    if label in failed:
        return Outcome(False, "ChangeRejected", failed[label])
    problem = problems.get(label)
    if problem is not None:
        reason = "OwnershipConflict" if problem.reason in conflict_reasons else problem.reason
        return Outcome(False, reason, problem.message)
    return PENDING if pending else PROGRAMMED


def rfc3339(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _reason(text: str) -> str:
    cleaned = _REASON_DISALLOWED.sub("", text)[:REASON_LIMIT].rstrip(",:")
    return cleaned if cleaned[:1].isalpha() else "Unknown"


def _message(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 3] + "..."


def _conditions(holder: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    raw = holder.get("conditions") if isinstance(holder, Mapping) else None
    return [c for c in raw if isinstance(c, Mapping)] if isinstance(raw, list) else []


def _find(conditions: Sequence[Mapping[str, Any]], type_: str) -> Mapping[str, Any] | None:
    return next((c for c in conditions if c.get("type") == type_), None)


def says(before: Mapping[str, Any] | None, said: Outcome, generation: int) -> bool:
    """Whether condition `before` already states `said` for `generation`."""
    if before is None or not before.get("lastTransitionTime"):
        return False
    return (before.get("status"), before.get("reason"), before.get("message"), before.get("observedGeneration") or 0) \
        == ("True" if said.ok else "False", _reason(said.reason), _message(said.message), generation)


def condition(said: Outcome, generation: int, before: Mapping[str, Any] | None, now: dt.datetime) -> dict[str, Any]:
    """Our condition saying `said`. `lastTransitionTime` moves only when the status flips (Kubernetes
    conventions: "programmed since", not "last written at"). Objects without a generation (Services)
    get no observedGeneration."""
    flag = "True" if said.ok else "False"
    since = before.get("lastTransitionTime") if before is not None and before.get("status") == flag else None
    out: dict[str, Any] = {"type": CONDITION, "status": flag}
    if generation:
        out["observedGeneration"] = generation
    out |= {"lastTransitionTime": since or rfc3339(now), "reason": _reason(said.reason),
            "message": _message(said.message)}
    return out


def _generation(obj: Obj) -> int:
    value = meta(obj).get("generation")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# -- Services ------------------------------------------------------------------------------------


def service_condition(obj: Obj) -> Mapping[str, Any] | None:
    return _find(_conditions(obj.get("status")), CONDITION)


def service_says(obj: Obj, said: Outcome | None) -> bool:
    """Whether the Service's status already says `said` (None: it holds no condition of ours)."""
    return _holds(service_condition(obj), said, _generation(obj))


def _holds(before: Mapping[str, Any] | None, said: Outcome | None, generation: int) -> bool:
    return before is None if said is None else says(before, said, generation)


def service_apply(obj: Obj, said: Outcome | None, now: dt.datetime) -> dict[str, Any] | None:
    """The apply configuration for the Service's status saying `said` (None: our condition goes), or
    None when its status already says it. The configuration is all zonekeeper's field manager owns: a
    field it owned and leaves out is removed, the fields of other managers are never named."""
    before = service_condition(obj)
    generation = _generation(obj)
    if _holds(before, said, generation):
        return None
    m = meta(obj)
    body: dict[str, Any] = {"apiVersion": "v1", "kind": "Service",
                            "metadata": {"name": m.get("name"), "namespace": m.get("namespace")}}
    if said is not None:
        body["status"] = {"conditions": [condition(said, generation, before, now)]}
    return body


# -- Ingresses ------------------------------------------------------------------------------------


def ingress_condition(obj: Obj) -> Mapping[str, Any] | None:
    """Our condition as the Ingress's annotation holds it (None: absent or not ours to read)."""
    raw = (meta(obj).get("annotations") or {}).get(INGRESS_ANNOTATION)
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def ingress_says(obj: Obj, said: Outcome | None) -> bool:
    """As `service_says`, for an Ingress: our annotation already says `said` (None: there is none)."""
    if said is None:
        return (meta(obj).get("annotations") or {}).get(INGRESS_ANNOTATION) is None
    return says(ingress_condition(obj), said, _generation(obj))


def ingress_apply(obj: Obj, said: Outcome | None, now: dt.datetime) -> dict[str, Any] | None:
    """As `service_apply`, for an Ingress: the condition is the value of our annotation."""
    m = meta(obj)
    metadata: dict[str, Any] = {"name": m.get("name"), "namespace": m.get("namespace")}
    if said is None:
        return None if ingress_says(obj, None) else _ingress(metadata)
    before = ingress_condition(obj)
    generation = _generation(obj)
    if says(before, said, generation):
        return None
    value = {k: v for k, v in condition(said, generation, before, now).items() if k != "type"}
    metadata["annotations"] = {INGRESS_ANNOTATION: json.dumps(value, separators=(",", ":"))}
    return _ingress(metadata)


def _ingress(metadata: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": metadata}


# -- Gateway API routes --------------------------------------------------------------------------


def parent_ref(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A spec parentRef as its status entry names it: the fields given, group and kind defaulted
    (the upstream CRD defaults them in status too, so equal refs compare equal)."""
    ref = {k: raw[k] for k in ("group", "kind", "namespace", "name", "sectionName", "port")
           if raw.get(k) not in (None, "")}
    ref.setdefault("group", GATEWAY_GROUP)
    ref.setdefault("kind", "Gateway")
    return ref


def _same_ref(a: Mapping[str, Any], b: Mapping[str, Any], namespace: str) -> bool:
    def key(ref: Mapping[str, Any]) -> tuple[Any, ...]:
        r = parent_ref(ref)
        return (r["group"], r["kind"], r.get("namespace") or namespace, r.get("name"), r.get("sectionName", ""),
                r.get("port"))
    return key(a) == key(b)


def _parents(obj: Obj) -> list[Mapping[str, Any]]:
    raw = (obj.get("status") or {}).get("parents")
    return [p for p in raw if isinstance(p, Mapping)] if isinstance(raw, list) else []


def route_says(obj: Obj, refs: Sequence[Mapping[str, Any]], said: Outcome | None, controller_name: str) -> bool:
    """Whether the route's entries under `controller_name` already say `said` for exactly `refs`."""
    namespace = str(meta(obj).get("namespace") or "")
    ours = [p for p in _parents(obj) if p.get("controllerName") == controller_name]
    if said is None or not refs:
        return not ours
    if len(ours) != len(refs):
        return False
    generation = _generation(obj)
    for ref in refs:
        entry = next((p for p in ours if _same_ref(p.get("parentRef") or {}, ref, namespace)), None)
        if entry is None or not says(_find(_conditions(entry), CONDITION), said, generation):
            return False
    return True


def route_parents(obj: Mapping[str, Any], refs: Sequence[Mapping[str, Any]], said: Outcome | None,
                  controller_name: str, now: dt.datetime) -> list[dict[str, Any]] | None:
    """The whole `status.parents` list of route `obj` (as read from the apiserver, every field) with our
    entries saying `said` for `refs` (None: ours removed), or None when nothing changes. Other
    controllers' entries are kept as they are, in their order; ours follow, as many as fit in 32."""
    if route_says(obj, refs, said, controller_name):
        return None
    namespace = str(meta(obj).get("namespace") or "")
    existing = _parents(obj)
    others = [dict(p) for p in existing if p.get("controllerName") != controller_name]
    ours_before = [p for p in existing if p.get("controllerName") == controller_name]
    generation = _generation(obj)
    if said is None:
        return others
    ours: list[dict[str, Any]] = []
    for ref in refs:
        entry = next((p for p in ours_before if _same_ref(p.get("parentRef") or {}, ref, namespace)), None)
        kept = [dict(c) for c in _conditions(entry) if c.get("type") != CONDITION]
        mine = condition(said, generation, _find(_conditions(entry), CONDITION), now)
        ours.append({"parentRef": parent_ref(ref), "controllerName": controller_name, "conditions": [*kept, mine]})
    return others + ours[: max(0, MAX_PARENTS - len(others))]


# -- what the controller may ignore -------------------------------------------------------------


def _without(obj: Obj, owned: frozenset[str], annotations: frozenset[str]
             ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    top = {k: v for k, v in obj.items() if k not in ("metadata", "status")}
    metadata = {k: v for k, v in meta(obj).items() if k != "resourceVersion"}
    if annotations and isinstance(metadata.get("annotations"), Mapping):
        metadata["annotations"] = {k: v for k, v in metadata["annotations"].items() if k not in annotations}
    status = obj.get("status")
    rest = {k: v for k, v in status.items() if k not in owned} if isinstance(status, Mapping) else {}
    return top, metadata, rest


def status_only_change(kind: str, old: Obj | None, new: Obj | None) -> bool:
    """True when `new` differs from `old` only in the status fields the kind's writer owns (and the
    resourceVersion): no source reads those, so the object's records cannot have changed."""
    owned = OWN_STATUS_FIELDS.get(kind)
    if owned is None or old is None or new is None:
        return False
    annotations = OWN_ANNOTATIONS.get(kind, frozenset())
    return _without(old, owned, annotations) == _without(new, owned, annotations)
