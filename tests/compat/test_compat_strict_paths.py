"""The strict Route 53 layer serves the request paths external-dns's Go SDK sends, not only boto3's.

botocore's model spells ChangeResourceRecordSets ``POST /2013-04-01/hostedzone/{Id}/rrset/`` (boto3 sends
the trailing slash) and ListResourceRecordSets ``GET .../rrset`` (without); aws-sdk-go-v2, which external-dns
uses, sends both without it. Each spelling must be the same operation at the strict layer (validated,
applied, counted, recorded), or external-dns's writes would fall through to moto unchecked and uncounted.
Raw HTTP here, so no SDK chooses the spelling. (The layer's router already strips the model's trailing
slash and accepts an optional one; a router matching the model's paths exactly fails the "without-slash"
change test and the "with-slash" list test.)
"""

from __future__ import annotations

import urllib.request

import pytest

from tests.support.route53 import StrictRoute53Server
from tests.support.route53_xml import NAMESPACE

pytestmark = pytest.mark.integration

BODY = f"""<?xml version="1.0" encoding="UTF-8"?>
<ChangeResourceRecordSetsRequest xmlns="{NAMESPACE}"><ChangeBatch><Changes><Change><Action>CREATE</Action>
<ResourceRecordSet><Name>{{name}}</Name><Type>A</Type><TTL>300</TTL>
<ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords>
</ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"""
# What a SigV4 signature looks like to the layer: it reads only the access key id.
AUTH = "AWS4-HMAC-SHA256 Credential=go-sdk/20261202/us-east-1/route53/aws4_request, SignedHeaders=host, Signature=0"


def send(route53: StrictRoute53Server, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(route53.endpoint + path, data=body, method=method,
                                     headers={"Authorization": AUTH, "Content-Type": "application/xml"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.parametrize("suffix", ["/rrset", "/rrset/"], ids=["without-slash", "with-slash"])
def test_change_resource_record_sets_is_served_with_and_without_the_trailing_slash(
        route53: StrictRoute53Server, suffix: str) -> None:
    zone_id = route53.create_zone("example.com")
    path = f"/2013-04-01/hostedzone/{zone_id}{suffix}"
    status, _ = send(route53, "POST", path, BODY.format(name="one.example.com").encode())
    assert status == 200
    assert route53.counts["ChangeResourceRecordSets"] == 1
    assert route53.counts_by_key[("go-sdk", "ChangeResourceRecordSets")] == 1
    assert [b["Status"] for b in route53.change_batches] == ["accepted"]
    assert ("one.example.com.", "A") in {(r["Name"], r["Type"]) for r in route53.records(zone_id)}
    # The same CREATE again is refused by the strict rules, not quietly accepted by moto.
    status, payload = send(route53, "POST", path, BODY.format(name="one.example.com").encode())
    assert status == 400 and b"InvalidChangeBatch" in payload and b"already exists" in payload


@pytest.mark.parametrize("suffix", ["/rrset", "/rrset/"], ids=["without-slash", "with-slash"])
def test_list_resource_record_sets_is_served_with_and_without_the_trailing_slash(
        route53: StrictRoute53Server, suffix: str) -> None:
    zone_id = route53.create_zone("example.com")
    status, payload = send(route53, "GET", f"/2013-04-01/hostedzone/{zone_id}{suffix}?maxitems=1")
    assert status == 200
    assert route53.counts["ListResourceRecordSets"] == 1
    # The strict layer's paging (moto has no page cap): apex NS and SOA, one a page.
    assert b"<IsTruncated>true</IsTruncated>" in payload and b"<MaxItems>1</MaxItems>" in payload
