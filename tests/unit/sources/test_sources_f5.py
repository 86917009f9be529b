"""The `f5-virtualserver` and `f5-transportserver` sources, against external-dns v0.23.0's
source/f5_virtualserver.go, f5_transportserver.go and their tests."""

from __future__ import annotations

from typing import Any

import pytest
from sourcekit import ga, obj, records, store

from zonekeeper.sources import SOURCES
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.fqdn import compile_templates
from zonekeeper.sources.objects import F5_TRANSPORTSERVERS, F5_VIRTUALSERVERS

VS = SOURCES["f5-virtualserver"].only
TS = SOURCES["f5-transportserver"].only


def virtual_server(name: str = "vs", *, host: str = "www.example.com", address: str = "", vs_address: str = "",
                   aliases: list[str] | None = None, annotations: dict[str, str] | None = None,
                   kind: str = "VirtualServer") -> dict[str, Any]:
    spec: dict[str, Any] = {"host": host} if host else {}
    if address:
        spec["virtualServerAddress"] = address
    if aliases is not None:
        spec["hostAliases"] = aliases
    return obj("cis.f5.com/v1", kind, name, "default", annotations=annotations, spec=spec,
               status={"vsAddress": vs_address} if vs_address else {})


def transport_server(name: str = "ts", **kw: Any) -> dict[str, Any]:
    return virtual_server(name, kind="TransportServer", **kw)


def run(o: dict[str, Any], config: SourceConfig | None = None) -> SourceResult:
    spec = VS if o["kind"] == "VirtualServer" else TS
    return spec.function(o, store(o), config or SourceConfig())


def test_registered_as_external_dns_names_them() -> None:
    assert (VS.kind, VS.watched_kinds, VS.label_kind) == (F5_VIRTUALSERVERS, (F5_VIRTUALSERVERS,), "f5-virtualserver")
    assert (TS.kind, TS.watched_kinds, TS.label_kind) == (F5_TRANSPORTSERVERS, (F5_TRANSPORTSERVERS,),
                                                          "f5-transportserver")


@pytest.mark.parametrize("make", [virtual_server, transport_server])
def test_the_target_annotation_wins_then_the_spec_address_then_the_status_address(make: Any) -> None:
    both = make(address="192.168.1.100", vs_address="192.168.1.200")
    assert records(run(both)) == ["www.example.com A -> 192.168.1.100"]
    annotated = make(address="192.168.1.100", vs_address="192.168.1.200", annotations=ga(target="192.168.1.150"))
    assert records(run(annotated)) == ["www.example.com A -> 192.168.1.150"]
    assert records(run(make(vs_address="192.168.1.100"))) == ["www.example.com A -> 192.168.1.100"]


@pytest.mark.parametrize("vs_address", ["", "None", "none", "NONE"])
def test_nothing_before_big_ip_has_the_virtual_address(vs_address: str) -> None:
    """external-dns requires status.vsAddress even when the spec or an annotation names the target."""
    for make in (virtual_server, transport_server):
        o = make(address="192.168.1.100", vs_address=vs_address, annotations=ga(target="192.168.1.150"))
        result = run(o)
        assert (result.endpoints, result.problems) == ([], [])


def test_virtual_server_host_aliases_share_the_targets_and_ttl() -> None:
    o = virtual_server(address="192.168.1.100", vs_address="192.168.1.100",
                       aliases=["alias1.example.com", "", "alias2.example.com"], annotations=ga(ttl="600"))
    result = run(o)
    assert records(result) == ["alias1.example.com A -> 192.168.1.100", "alias2.example.com A -> 192.168.1.100",
                               "www.example.com A -> 192.168.1.100"]
    assert {e.ttl for e in result.endpoints} == {600}
    assert {e.resource for e in result.endpoints} == {"f5-virtualserver/default/vs"}


def test_transport_server_reads_no_host_aliases() -> None:
    o = transport_server(vs_address="192.168.1.100", aliases=["alias1.example.com"])
    result = run(o)
    assert records(result) == ["www.example.com A -> 192.168.1.100"]
    assert {e.resource for e in result.endpoints} == {"f5-transportserver/default/ts"}


def test_hostname_set_identifier_and_aws_annotations_are_not_read() -> None:
    o = virtual_server(vs_address="192.168.1.100",
                       annotations=ga(hostname="extra.example.com", set_identifier="one", aws_weight="10"))
    (endpoint,) = run(o).endpoints
    assert (endpoint.name, endpoint.set_identifier, dict(endpoint.provider_specific)) == ("www.example.com", "", {})


def test_a_hostname_target_is_a_cname() -> None:
    o = virtual_server(address="bigip.example.net", vs_address="192.168.1.100")
    assert records(run(o)) == ["www.example.com CNAME -> bigip.example.net"]


def test_fqdn_template_alone_names_nothing() -> None:
    """external-dns's F5 sources take targets from --target-template only (ApplyTemplates), which
    zonekeeper does not accept: a template gives these objects no records in either."""
    config = SourceConfig(fqdn_template=compile_templates(("{{.Name}}.example.com",)))
    assert records(run(virtual_server(host="", vs_address="192.168.1.100"), config)) == []
    assert records(run(virtual_server(vs_address="192.168.1.100"), config)) == ["www.example.com A -> 192.168.1.100"]


def test_bad_host_and_ttl_are_problems_naming_the_object() -> None:
    o = virtual_server(host="bad_host!.example.com", vs_address="192.168.1.100", aliases=["ok.example.com"],
                       annotations=ga(ttl="soon"))
    result = run(o)
    assert records(result) == ["ok.example.com A -> 192.168.1.100"]
    assert sorted((p.subject, p.reason) for p in result.problems) == [
        ("f5-virtualserver/default/vs", "InvalidAnnotation"), ("f5-virtualserver/default/vs", "InvalidHostname")]


def test_another_controller_s_objects_are_left_alone() -> None:
    o = virtual_server(vs_address="192.168.1.100", annotations=ga(controller="someone-else"))
    assert run(o).endpoints == []


def test_dependents_are_the_objects_themselves() -> None:
    vs, ts = virtual_server(vs_address="1.2.3.4"), transport_server(vs_address="1.2.3.4")
    assert list(VS.dependents(F5_VIRTUALSERVERS, vs, store(vs))) == [("default", "vs")]
    assert list(TS.dependents(F5_TRANSPORTSERVERS, ts, store(ts))) == [("default", "ts")]
    assert list(VS.dependents(F5_TRANSPORTSERVERS, ts, store(ts))) == []
