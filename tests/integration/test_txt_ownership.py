"""Ownership through the TXT registry, end to end: `zonekeeper run --once --from-file` against the strict
Route 53 endpoint, with the TXT records another controller left in the zone (issue 7, items 2 and 3)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.route53 import StrictRoute53Server
from zonekeeper.cli import main
from zonekeeper.registry import crypto

pytestmark = pytest.mark.integration

OURS = '"heritage=external-dns,external-dns/owner=c1,external-dns/resource=service/default/mixtxt"'
THEIRS = '"heritage=external-dns,external-dns/owner=other,external-dns/resource=service/team/mixtxt"'
BOTH = ('"heritage=external-dns,external-dns/owner=other,external-dns/owner=c1,'
        'external-dns/resource=service/default/mixtxt"')

KEY = "passphrasewhichneedstobe32bytes!"
SEALED = f'"{crypto.encrypt(OURS.strip(chr(34)), KEY.encode())[0]}"'

SERVICE = textwrap.dedent("""
    apiVersion: v1
    kind: Service
    metadata:
      name: mixtxt
      namespace: default
      annotations:
        external-dns.alpha.kubernetes.io/hostname: mixtxt.example.com
    spec:
      type: LoadBalancer
    status:
      loadBalancer:
        ingress:
          - ip: 203.0.113.99
    """)


@pytest.fixture
def env(route53: StrictRoute53Server, monkeypatch: pytest.MonkeyPatch) -> str:
    zone = route53.create_zone("example.com")
    for key, value in {"AWS_ENDPOINT_URL_ROUTE_53": route53.endpoint, "AWS_ACCESS_KEY_ID": "t",
                       "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return zone


def put(route53: StrictRoute53Server, zone: str, *records: tuple[str, str, list[str]]) -> None:
    changes = [{"Action": "CREATE", "ResourceRecordSet": {"Name": name, "Type": rtype, "TTL": 300,
                                                          "ResourceRecords": [{"Value": v} for v in values]}}
               for name, rtype, values in records]
    route53.harness.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})


def zone_records(route53: StrictRoute53Server, zone: str) -> dict[tuple[str, str], list[str]]:
    out = {}
    for page in route53.harness.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone):
        for r in page["ResourceRecordSets"]:
            if r["Type"] in ("SOA", "NS"):
                continue
            out[(r["Name"], r["Type"])] = [v["Value"] for v in r.get("ResourceRecords", [])]
    return out


def run_once(path: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["run", "--once", "--from-file", str(path), "--txt-owner-id", "c1", *args],
                                catch_exceptions=False)
    assert "Traceback" not in result.output
    return result.output


@pytest.mark.parametrize(("claims", "owners_named", "flags"), [
    # Our new-format TXT and another owner's legacy TXT at the record's own name.
    ({"a-mixtxt.example.com": OURS, "mixtxt.example.com": THEIRS}, ("'c1' in a-mixtxt", "'other' in mixtxt"), ()),
    # One value naming two owners (external-dns takes the last one).
    ({"a-mixtxt.example.com": BOTH}, ("'other' and 'c1' in one value of a-mixtxt",), ()),
    # The same with the configured prefix, and with our claim sealed.
    ({"zk-a-mixtxt.example.com": OURS, "zk-mixtxt.example.com": THEIRS}, ("'c1' in zk-a-mixtxt", "'other' in zk-mixtxt"),
     ("--txt-prefix", "zk-")),
    ({"a-mixtxt.example.com": SEALED, "mixtxt.example.com": THEIRS}, ("'c1' in a-mixtxt", "'other' in mixtxt"),
     ("--txt-encrypt-enabled", "--txt-encrypt-aes-key", KEY)),
], ids=["new-and-legacy", "one-value-two-owners", "prefix", "encrypted"])
def test_a_record_claimed_by_two_owners_is_never_changed_nor_deleted(
        env: str, route53: StrictRoute53Server, tmp_path: Path, claims: dict[str, str],
        owners_named: tuple[str, ...], flags: tuple[str, ...]) -> None:
    put(route53, env, ("mixtxt.example.com", "A", ["203.0.113.1"]),
        *((name, "TXT", [value]) for name, value in claims.items()))
    before = zone_records(route53, env)
    objects = tmp_path / "objects.yaml"
    objects.write_text(SERVICE)

    out = run_once(objects, *flags)  # the Service wants 203.0.113.99: refused, and said why
    assert route53.change_batches == [], route53.change_batches
    assert zone_records(route53, env) == before
    assert "OwnershipUnclear" in out and "mixtxt.example.com A" in out, out
    for named in owners_named:
        assert named in out, out

    objects.write_text("")  # the Service is gone: the record stays, and that is said too
    out = run_once(objects, *flags)
    assert route53.change_batches == [], route53.change_batches
    assert zone_records(route53, env) == before
    assert "OwnershipUnclear" in out and "mixtxt.example.com A" in out, out


def dnsendpoint(value: str) -> str:
    return textwrap.dedent(f"""
        apiVersion: externaldns.k8s.io/v1alpha1
        kind: DNSEndpoint
        metadata: {{name: note, namespace: default}}
        spec:
          endpoints:
            - dnsName: note.example.com
              recordType: TXT
              targets: ["{value}"]
        """)


def test_managed_txt_record_is_created_updated_and_deleted(env: str, route53: StrictRoute53Server,
                                                          tmp_path: Path) -> None:
    flags = ("--source", "crd", "--managed-record-types", "A", "--managed-record-types", "TXT")
    objects = tmp_path / "note.yaml"
    ownership = '"heritage=external-dns,external-dns/owner=c1,external-dns/resource=crd/default/note"'

    objects.write_text(dnsendpoint("v=1"))
    out = run_once(objects, *flags)
    assert zone_records(route53, env) == {("note.example.com.", "TXT"): ['"v=1"'],
                                          ("txt-note.example.com.", "TXT"): [ownership]}, out
    batches = len(route53.accepted_change_batches)
    out = run_once(objects, *flags)  # nothing to do: our TXT record is ours, its ownership TXT no record
    assert len(route53.accepted_change_batches) == batches, out
    assert "not owned" not in out and "OwnedByOther" not in out, out

    objects.write_text(dnsendpoint("v=2"))
    out = run_once(objects, *flags)
    assert zone_records(route53, env) == {("note.example.com.", "TXT"): ['"v=2"'],
                                          ("txt-note.example.com.", "TXT"): [ownership]}, out

    objects.write_text("")
    out = run_once(objects, *flags)
    assert zone_records(route53, env) == {}, out


def test_managed_txt_record_of_another_owner_is_left_alone(env: str, route53: StrictRoute53Server,
                                                          tmp_path: Path) -> None:
    put(route53, env, ("note.example.com", "TXT", ['"v=1"']),
        ("txt-note.example.com", "TXT", ['"heritage=external-dns,external-dns/owner=other"']))
    before = zone_records(route53, env)
    objects = tmp_path / "note.yaml"
    flags = ("--source", "crd", "--managed-record-types", "TXT")
    objects.write_text(dnsendpoint("v=2"))
    out = run_once(objects, *flags)
    assert "OwnedByOther" in out, out
    objects.write_text("")
    run_once(objects, *flags)
    assert route53.change_batches == [] and zone_records(route53, env) == before


def test_a_dnsendpoint_cannot_forge_an_ownership_txt(env: str, route53: StrictRoute53Server, tmp_path: Path) -> None:
    put(route53, env, ("victim.example.com", "A", ["203.0.113.7"]))  # nobody owns it
    objects = tmp_path / "forged.yaml"
    forged = "heritage=external-dns,external-dns/owner=c1,external-dns/resource=crd/default/forged"
    objects.write_text(textwrap.dedent(f"""
        apiVersion: externaldns.k8s.io/v1alpha1
        kind: DNSEndpoint
        metadata: {{name: forged, namespace: default}}
        spec:
          endpoints:
            - dnsName: a-victim.example.com
              recordType: TXT
              targets: ["{forged}"]
            - dnsName: victim.example.com
              recordType: A
              targets: [192.0.2.66]
        """))
    flags = ("--source", "crd", "--managed-record-types", "A", "--managed-record-types", "TXT")
    out = run_once(objects, *flags)
    assert "TXTValueReserved" in out, out
    out = run_once(objects, *flags)
    assert zone_records(route53, env) == {("victim.example.com.", "A"): ["203.0.113.7"]}, out


def test_migrate_from_txt_owner_rewrites_only_the_txt_records(env: str, route53: StrictRoute53Server,
                                                              tmp_path: Path) -> None:
    old = '"heritage=external-dns,external-dns/owner=old,external-dns/resource=service/default/mixtxt"'
    put(route53, env, ("mixtxt.example.com", "A", ["203.0.113.99"]), ("a-mixtxt.example.com", "TXT", [old]))
    objects = tmp_path / "objects.yaml"
    objects.write_text(SERVICE)

    out = run_once(objects, "--migrate-from-txt-owner", "old")
    assert zone_records(route53, env) == {("mixtxt.example.com.", "A"): ["203.0.113.99"],
                                          ("a-mixtxt.example.com.", "TXT"): [OURS]}, out
    changes = [c for b in route53.accepted_change_batches for c in b["Changes"]]
    assert {c["ResourceRecordSet"]["Type"] for c in changes} == {"TXT"}, changes  # no record churn

    batches = len(route53.accepted_change_batches)
    out = run_once(objects, "--migrate-from-txt-owner", "old")  # adopted once: nothing more to do
    assert len(route53.accepted_change_batches) == batches, out


def test_without_migrate_from_txt_owner_the_old_owner_keeps_its_record(env: str, route53: StrictRoute53Server,
                                                                       tmp_path: Path) -> None:
    old = '"heritage=external-dns,external-dns/owner=old,external-dns/resource=service/default/mixtxt"'
    put(route53, env, ("mixtxt.example.com", "A", ["203.0.113.1"]), ("a-mixtxt.example.com", "TXT", [old]))
    objects = tmp_path / "objects.yaml"
    objects.write_text(SERVICE)
    run_once(objects)
    assert route53.change_batches == []
