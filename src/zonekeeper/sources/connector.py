"""The connector source's endpoints, from the value its remote server sent — pure.

external-dns v0.23.0's connector source decodes one gob []*endpoint.Endpoint (sources/gob.py) and hands
it to endpoint.MergeEndpoints: endpoints with the same DNSName, RecordType, SetIdentifier and RecordTTL
(compared as sent, not normalised) become one, whose targets are all of theirs, sorted, each once; the
first one's labels and provider-specific properties win. A CNAME or DNAME is merged only with those of
the same first target, and one without targets is dropped. Each merged endpoint is then checked as a
DNSEndpoint entry is (sources/crd.entry), the problems naming `connector/<server>`; the labels the
server sent are kept as sent (external-dns writes them into the TXT registry), but for the TXT nonce.

It reads no objects (`SOURCE` has no parts): the value is read at the edge (zonekeeper.connectorfeed),
once per full pass, and its endpoints join the others' (`sources.collect`, the controller).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zonekeeper.endpoint import TXT_NONCE_LABEL
from zonekeeper.sources.base import Source, SourceResult
from zonekeeper.sources.crd import entry

KIND = "connector"
_SINGLE_TARGET = ("CNAME", "DNAME")

SOURCE = Source(KIND, ())


def subject(server: str) -> str:
    """What problems of the connector's endpoints are reported under."""
    return f"{KIND}/{server}"


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _targets(raw: Mapping[str, Any]) -> list[str]:
    return [t for t in raw.get("Targets", []) if isinstance(t, str)] if isinstance(raw.get("Targets"), list) else []


def merge(value: Any) -> list[dict[str, Any]]:
    """endpoint.MergeEndpoints over the decoded value (a list of endpoint structs as dicts), in first-seen order."""
    merged: dict[tuple[str, str, str, int, str], dict[str, Any]] = {}
    for raw in value if isinstance(value, list) else []:
        if not isinstance(raw, dict):
            continue
        record_type, targets = _str(raw.get("RecordType")), _targets(raw)
        first = ""
        if record_type in _SINGLE_TARGET:
            if not targets:
                continue
            first = targets[0]
        ttl = raw.get("RecordTTL", 0)
        key = (_str(raw.get("DNSName")), record_type, _str(raw.get("SetIdentifier")),
               ttl if isinstance(ttl, int) else 0, first)
        if key in merged:
            merged[key]["Targets"] = merged[key]["Targets"] + targets
        else:
            merged[key] = {**raw, "Targets": targets}
    for ep in merged.values():
        ep["Targets"] = sorted(set(ep["Targets"]))
    return list(merged.values())


def _as_entry(raw: Mapping[str, Any]) -> dict[str, Any]:
    props = raw.get("ProviderSpecific", [])
    return {
        "dnsName": _str(raw.get("DNSName")), "targets": raw.get("Targets", []),
        "recordType": _str(raw.get("RecordType")), "setIdentifier": _str(raw.get("SetIdentifier")),
        "recordTTL": raw.get("RecordTTL"), "labels": raw.get("Labels", {}),
        "providerSpecific": [{"name": _str(p.get("Name")), "value": _str(p.get("Value"))}
                             for p in props if isinstance(p, dict)] if isinstance(props, list) else [],
    }


def endpoints(value: Any, server: str, *, default_targets: bool = False) -> SourceResult:
    """The endpoints the server's value describes, merged and checked."""
    where = subject(server)
    result = SourceResult()
    for index, raw in enumerate(merge(value)):
        endpoint, problems = entry(index, _as_entry(raw), where, default_targets, field="endpoints")
        result.problems += problems
        if endpoint is None:
            continue
        labels = raw.get("Labels")
        sent = {k: v for k, v in labels.items() if isinstance(k, str) and isinstance(v, str)
                and k != TXT_NONCE_LABEL} if isinstance(labels, dict) else {}
        result.endpoints.append(endpoint.evolve(labels=tuple(sorted(sent.items()))))
    return result
