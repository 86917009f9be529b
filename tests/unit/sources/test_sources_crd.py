from __future__ import annotations

from typing import Any

import pytest
from sourcekit import dns_endpoint, ga, reasons, records, store

from zonekeeper.sources import crd as source
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.objects import DNSENDPOINTS

CONFIG = SourceConfig()


def entry(name: str, record_type: str | None, *targets: str, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"dnsName": name, "targets": list(targets)}
    if record_type is not None:
        result["recordType"] = record_type
    result.update(extra)
    return result


def run(*entries: dict[str, Any], **kw: Any) -> SourceResult:
    obj = dns_endpoint("records", "default", *entries, **kw)
    return source.endpoints(obj, store(obj), CONFIG)


@pytest.mark.parametrize(
    ("record_type", "targets", "expected"),
    [
        ("A", ("192.0.2.1", "192.0.2.2"), "x.example.com A -> 192.0.2.1,192.0.2.2"),
        ("AAAA", ("2001:db8::1",), "x.example.com AAAA -> 2001:db8::1"),
        ("CNAME", ("target.example.net.",), "x.example.com CNAME -> target.example.net"),
        ("TXT", ("v=spf1 -all", "any text at all"), "x.example.com TXT -> any text at all,v=spf1 -all"),
        ("MX", ("10 mail.example.com.",), "x.example.com MX -> 10 mail.example.com."),
        ("SRV", ("0 50 5060 sip.example.com.",), "x.example.com SRV -> 0 50 5060 sip.example.com."),
        ("NS", ("ns1.example.net",), "x.example.com NS -> ns1.example.net"),
        ("PTR", ("host.example.com",), "x.example.com PTR -> host.example.com"),
        ("CAA", ('0 issue "amazon.com"',), 'x.example.com CAA -> 0 issue "amazon.com"'),
        ("a", ("192.0.2.1",), "x.example.com A -> 192.0.2.1"),
        (None, ("192.0.2.1",), "x.example.com A -> 192.0.2.1"),
        (None, ("lb.example.net",), "x.example.com CNAME -> lb.example.net"),
    ],
)
def test_valid_entries(record_type: str | None, targets: tuple[str, ...], expected: str) -> None:
    result = run(entry("X.example.com.", record_type, *targets))
    assert records(result) == [expected]
    assert result.problems == []


@pytest.mark.parametrize(
    ("record_type", "targets", "fragment"),
    [
        ("A", ("lb.example.net",), "IPv4"),
        ("A", ("2001:db8::1",), "IPv4"),
        ("A", ("192.0.2.300",), "IPv4"),
        ("AAAA", ("192.0.2.1",), "IPv6"),
        ("CNAME", ("a.example.net", "b.example.net"), "one target"),
        ("CNAME", ("192..0",), "hostname"),
        ("MX", ("mail.example.com",), "MX"),
        ("MX", ("70000 mail.example.com",), "MX"),
        ("SRV", ("0 50 sip.example.com",), "SRV"),
        ("SRV", ("0 50 99999 sip.example.com",), "SRV"),
        ("CAA", ("issue amazon.com",), "CAA"),
        ("BOGUS", ("1.2.3.4",), "unsupported recordType"),
        (None, ("1.2.3.4", "lb.example.net"), "mix"),
    ],
)
def test_invalid_entries_are_reported_and_others_still_published(
    record_type: str | None, targets: tuple[str, ...], fragment: str
) -> None:
    result = run(entry("ok.example.com", "A", "192.0.2.1"), entry("bad.example.com", record_type, *targets))
    assert records(result) == ["ok.example.com A -> 192.0.2.1"]
    assert len(result.problems) >= 1
    problem = result.problems[0]
    assert problem.subject == "crd/default/records"
    assert problem.reason == "InvalidEndpoint"
    assert "spec.endpoints[1] (bad.example.com)" in problem.message
    assert fragment in problem.message


def test_missing_targets_and_names() -> None:
    result = run(
        entry("a.example.com", "A"),
        {"recordType": "A", "targets": ["1.2.3.4"]},
        entry("b..example.com", "A", "1.2.3.4"),
        "junk",
    )  # type: ignore[arg-type]
    assert result.endpoints == []
    assert reasons(result) == ["InvalidEndpoint", "InvalidEndpoint", "InvalidHostname", "MissingTargets"]
    messages = " | ".join(p.message for p in result.problems)
    assert "spec.endpoints[0] (a.example.com): no targets" in messages
    assert "spec.endpoints[1]: dnsName is missing" in messages
    assert "spec.endpoints[3]: not an object" in messages


@pytest.mark.parametrize(
    ("alias", "record_type"), [("true", "A"), ("A", "A"), ("AAAA", "AAAA"), ("true", "AAAA")]
)
def test_alias_address_records_may_target_hostnames(alias: str, record_type: str) -> None:
    result = run(
        entry(
            "apex.example.com",
            record_type,
            "lb.elb.amazonaws.com",
            providerSpecific=[{"name": "alias", "value": alias}],
        )
    )
    assert records(result) == [f"apex.example.com {record_type} -> lb.elb.amazonaws.com"]
    assert result.endpoints[0].prop("alias") == alias


def test_ttl_set_identifier_provider_specific() -> None:
    result = run(
        entry(
            "w.example.com",
            "CNAME",
            "lb.example.net",
            recordTTL=120,
            setIdentifier="blue",
            providerSpecific=[
                {"name": "aws/weight", "value": "20"},
                {"name": "aws/geoproximity-region", "value": "us-east-1"},
                {"name": "aws/failover", "value": "primary"},
            ],
        )
    )
    endpoint = result.endpoints[0]
    assert endpoint.ttl == 120
    assert endpoint.set_identifier == "blue"
    assert dict(endpoint.provider_specific) == {
        "aws/weight": "20",
        "aws/geoproximity-region": "us-east-1",
        "aws/geoproximity-bias": "0",
        "aws/failover": "PRIMARY",
    }


def test_invalid_provider_specific_rejects_the_entry() -> None:
    result = run(
        entry("w.example.com", "A", "1.2.3.4", providerSpecific=[{"name": "aws/weight", "value": "300"}])
    )
    assert result.endpoints == []
    assert reasons(result) == ["InvalidEndpoint"]
    assert "aws/weight" in result.problems[0].message


@pytest.mark.parametrize("ttl", [-1, 2147483648, "soon", True, 1.5])
def test_invalid_ttl_is_reported_and_the_record_kept(ttl: Any) -> None:
    result = run(entry("t.example.com", "A", "1.2.3.4", recordTTL=ttl))
    assert records(result) == ["t.example.com A -> 1.2.3.4"]
    assert result.endpoints[0].ttl == 0
    assert reasons(result) == ["InvalidEndpoint"]
    assert "recordTTL" in result.problems[0].message


def test_labels_kept_but_ownership_labels_are_ours() -> None:
    result = run(
        entry(
            "l.example.com",
            "A",
            "1.2.3.4",
            labels={
                "team": "payments",
                "owner": "someone-else",
                "resource": "service/x/y",
                "txt-encryption-nonce": "n",
            },
        )
    )
    assert dict(result.endpoints[0].labels) == {"team": "payments", "resource": "crd/default/records"}


def test_controller_annotation() -> None:
    assert run(entry("a.example.com", "A", "1.2.3.4"), annotations=ga(controller="x")) == SourceResult()


def test_no_spec_no_output() -> None:
    obj = {
        "apiVersion": "externaldns.k8s.io/v1alpha1",
        "kind": "DNSEndpoint",
        "metadata": {"name": "e", "namespace": "d"},
    }
    assert source.endpoints(obj, store(obj), CONFIG) == SourceResult()


def test_dependents() -> None:
    obj = dns_endpoint("records", "default")
    assert list(source.SPEC.dependents(DNSENDPOINTS, obj, store(obj))) == [("default", "records")]


def test_crd_source_apiversion_and_kind_take_external_dns_s_defaults_only() -> None:
    """external-dns v0.23.0 accepts --crd-source-apiversion/--crd-source-kind but never reads them (its
    crd source is built on the typed DNSEndpoint v1alpha1 client): command lines carrying them carry
    over, and a value naming another resource is refused rather than ignored."""
    import pytest

    from zonekeeper.config import Settings
    from zonekeeper.settings.flag import ConfigError

    Settings.of(txt_owner_id="x", crd_source_apiversion="externaldns.k8s.io/v1alpha1",
                crd_source_kind="DNSEndpoint").validate()
    with pytest.raises(ConfigError, match=r"--crd-source-apiversion.*externaldns.k8s.io/v1alpha1"):
        Settings.of(txt_owner_id="x", crd_source_apiversion="example.com/v1").validate()
    with pytest.raises(ConfigError, match=r"--crd-source-kind.*DNSEndpoint"):
        Settings.of(txt_owner_id="x", crd_source_kind="MyEndpoint").validate()
