"""Running sources: one source over one object, and every enabled source over a whole view."""

from __future__ import annotations

from collections.abc import Iterable

from zonekeeper.endpoint import Endpoint, Problem, by_resource
from zonekeeper.sources import postprocess
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import SOURCE_ERROR, resource
from zonekeeper.sources.objects import INVALID_OBJECT, Obj, ObjectView, name_of, namespace_of, shape_errors


def run_one(spec: SourceSpec, obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    """One source over one object, then what external-dns's source wrappers do to its endpoints
    (`postprocess`: default targets, target networks, --min-ttl). A bug must not take the other
    objects down with it, so anything raised becomes a Problem against the object; so do the fields
    the cache had to leave out of it because of their type (`objects.shape_errors`), which would
    otherwise yield nothing silently."""
    subject = resource(spec.label_kind, obj)
    try:
        result = postprocess.apply(spec.function(obj, view, config), config)
    except Exception as error:
        result = SourceResult([], [Problem(subject, SOURCE_ERROR, f"{spec.name} source failed: {error!r}")])
    for why in shape_errors(obj):
        result.problems.append(Problem(subject, INVALID_OBJECT, f"{why}; the field is left out"))
    return result


def run_generated(endpoints: Iterable[Endpoint], config: SourceConfig) -> SourceResult:
    """Endpoints of a source that reads no objects (`fake`), after external-dns's source wrappers
    (`postprocess`), as every other source's are."""
    return postprocess.apply(SourceResult(list(endpoints)), config)


def run_all(view: ObjectView, specs: Iterable[SourceSpec], config: SourceConfig,
            generated: SourceResult | None = None) -> SourceResult:
    """Every source in `specs` over every primary object in the view, in a deterministic order, with
    the `generated` endpoints of object-less sources (`run_generated`) among them.

    Endpoints are sorted by their `resource` label, then by record key and targets, so the
    "first resource wins" rules later in the pipeline are stable. Identical Problems (a Gateway's
    bad annotation seen by both Istio sources, say) are reported once.
    """
    result = SourceResult()
    for spec in specs:
        objects = sorted(view.list(spec.kind), key=lambda o: (namespace_of(o), name_of(o)))
        for obj in objects:
            result.extend(run_one(spec, obj, view, config))
    if generated is not None:
        result.extend(generated)
    result.endpoints.sort(key=by_resource)
    result.problems = sorted(dict.fromkeys(result.problems), key=lambda p: (p.subject, p.reason, p.message))
    return result
