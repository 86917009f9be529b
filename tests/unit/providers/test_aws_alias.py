"""The canonical hosted-zone table: every region, every hostname shape, and what is not AWS."""

from __future__ import annotations

import pytest

from zonekeeper.providers import aws_alias
from zonekeeper.providers.aws_alias import (
    CANONICAL_HOSTED_ZONES,
    canonical_hosted_zone,
)

# An independent copy of the expected ids (region -> (ALB/CLB, NLB)), so an accidental edit of the
# module's table fails here rather than silently creating aliases into the wrong zone.
EXPECTED_ELB = {
    "af-south-1": ("Z268VQBMOI5EKX", "Z203XCE67M25HM"),
    "ap-east-1": ("Z3DQVH9N71FHZ0", "Z12Y7K3UBGUAD1"),
    "ap-east-2": ("Z02789141MW7T1WBU19PO", "Z09176273OC2HWIAUNYW"),
    "ap-northeast-1": ("Z14GRHDCWA56QT", "Z31USIVHYNEOWT"),
    "ap-northeast-2": ("ZWKZPGTI48KDX", "ZIBE1TIR4HY56"),
    "ap-northeast-3": ("Z5LXEXXYW11ES", "Z1GWIQ4HH19I5X"),
    "ap-south-1": ("ZP97RAFLXTNZK", "ZVDDRBQ08TROA"),
    "ap-south-2": ("Z0173938T07WNTVAEPZN", "Z0711778386UTO08407HT"),
    "ap-southeast-1": ("Z1LMS91P8CMLE5", "ZKVM4W9LS7TM"),
    "ap-southeast-2": ("Z1GM3OXH4ZPM65", "ZCT6FZBF4DROD"),
    "ap-southeast-3": ("Z08888821HLRG5A9ZRTER", "Z01971771FYVNCOVWJU1G"),
    "ap-southeast-4": ("Z09517862IB2WZLPXG76F", "Z01156963G8MIIL7X90IV"),
    "ap-southeast-5": ("Z06010284QMVVW7WO5J", "Z026317210H9ACVTRO6FB"),
    "ap-southeast-6": ("Z023301818UFJ50CIO0MV", "Z01392953RKV2Q3RBP0KU"),
    "ap-southeast-7": ("Z0390008CMBRTHFGWBCB", "Z054363131YWATEMWRG5L"),
    "ca-central-1": ("ZQSVJUPU6J1EY", "Z2EPGBW3API2WT"),
    "ca-west-1": ("Z06473681N0SF6OS049SD", "Z02754302KBB00W2LKWZ9"),
    "cn-north-1": ("Z1GDH35T77C1KE", "Z3QFB96KMJ7ED6"),
    "cn-northwest-1": ("ZM7IZAIOVVDZF", "ZQEIKTCZ8352D"),
    "eu-central-1": ("Z215JYRZR1TBD5", "Z3F0SRJ5LGBH90"),
    "eu-central-2": ("Z06391101F2ZOEP8P5EB3", "Z02239872DOALSIDCX66S"),
    "eu-north-1": ("Z23TAZ6LKFMNIO", "Z1UDT6IFJ4EJM"),
    "eu-south-1": ("Z3ULH7SSC9OV64", "Z23146JA1KNAFP"),
    "eu-south-2": ("Z0956581394HF5D5LXGAP", "Z1011216NVTVYADP1SSV"),
    "eu-west-1": ("Z32O12XQLNTSW2", "Z2IFOLAFXWLO4F"),
    "eu-west-2": ("ZHURV8PSTC4K8", "ZD4D7Y8KGAS4G"),
    "eu-west-3": ("Z3Q77PNBQS71R4", "Z1CMS0P5QUZ6D5"),
    "il-central-1": ("Z09170902867EHPV2DABU", "Z0313266YDI6ZRHTGQY4"),
    "me-central-1": ("Z08230872XQRWHG2XF6I", "Z00282643NTTLPANJJG2P"),
    "me-south-1": ("ZS929ML54UICD", "Z3QSRYVP46NYYV"),
    "mx-central-1": ("Z023552324OKD1BB28BH5", "Z02031231H3ID6HYJ9A7U"),
    "sa-east-1": ("Z2P70J7HTTTPLU", "ZTK26PT1VY4CU"),
    "us-east-1": ("Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"),
    "us-east-2": ("Z3AADJGX6KTTL2", "ZLMOA37VPKANP"),
    "us-gov-east-1": ("Z166TLBEWOO7G0", "Z1ZSMQQ6Q24QQ8"),
    "us-gov-west-1": ("Z33AYJ8TM3BH4J", "ZMG1MZ2THAWF1"),
    "us-west-1": ("Z368ELLRRE2KJ0", "Z24FKFUX50B4VW"),
    "us-west-2": ("Z1H1FL5HABSF5", "Z18D5FSROUN65G"),
}


def _domain(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def test_expected_table_covers_every_elb_region() -> None:
    assert set(EXPECTED_ELB) == set(aws_alias.ALB_ZONES) == set(aws_alias.NLB_ZONES)
    assert len(EXPECTED_ELB) == 38


@pytest.mark.parametrize("region", sorted(EXPECTED_ELB))
def test_alb_and_classic_hostnames(region: str) -> None:
    alb, _ = EXPECTED_ELB[region]
    host = f"k8s-default-web-1a2b3c4d5e-1234567890.{region}.elb.{_domain(region)}"
    assert canonical_hosted_zone(host) == alb
    assert canonical_hosted_zone("dualstack." + host) == alb
    assert canonical_hosted_zone(f"internal-a1b2c3-987654321.{region}.elb.{_domain(region)}") == alb


@pytest.mark.parametrize("region", sorted(EXPECTED_ELB))
def test_nlb_hostnames(region: str) -> None:
    _, nlb = EXPECTED_ELB[region]
    host = f"k8s-default-web-1a2b3c4d5e-0123456789abcdef.elb.{region}.{_domain(region)}"
    assert canonical_hosted_zone(host) == nlb
    assert canonical_hosted_zone("dualstack." + host) == nlb


@pytest.mark.parametrize("region", sorted(EXPECTED_ELB))
def test_alb_and_nlb_zones_differ_in_every_region(region: str) -> None:
    alb, nlb = EXPECTED_ELB[region]
    assert alb != nlb


@pytest.mark.parametrize(
    ("host", "zone"),
    [
        ("d111111abcdef8.cloudfront.net", "Z2FDTNDATAQYW2"),
        ("D111111ABCDEF8.CloudFront.NET.", "Z2FDTNDATAQYW2"),
        ("a1234567890abcdef.awsglobalaccelerator.com", "Z2BJ6XQ5FK7U4H"),
        ("a1234567890abcdef.dualstack.awsglobalaccelerator.com", "Z2BJ6XQ5FK7U4H"),
        ("abcdef1234.execute-api.us-east-1.amazonaws.com", "Z1UJRXOUMOOFQ8"),
        ("abcdef1234.execute-api.eu-west-1.amazonaws.com", "ZLY8HYME6SFDD"),
        ("abcdef1234.execute-api.us-gov-west-1.amazonaws.com", "Z1K6XKP9SAGWDV"),
        ("d-abcdef1234.execute-api.me-central-1.amazonaws.com", "Z08780021BKYYY8U0YHTV"),
        (
            "vpce-0123456789abcdef0-abcdefgh.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com",
            "Z7HUB22UULQXV",
        ),
        ("vpce-0123-abcd.vpce-svc-0123.eu-west-2.vpce.amazonaws.com", "Z7K1066E3PUKB"),
        # Case and the root dot do not matter.
        ("My-LB-123.US-EAST-1.ELB.AMAZONAWS.COM.", "Z35SXDOTRQ7X7K"),
        ("  my-nlb-0a1b.elb.us-west-2.amazonaws.com.  ", "Z18D5FSROUN65G"),
    ],
)
def test_other_aws_services(host: str, zone: str) -> None:
    assert canonical_hosted_zone(host) == zone


@pytest.mark.parametrize(
    "host",
    [
        "",
        ".",
        "example.com",
        "www.example.com.",
        "1.2.3.4",
        "2001:db8::1",
        "cloudfront.net.example.com",
        "evilcloudfront.net",
        "notawsglobalaccelerator.com",
        "elb.amazonaws.com",
        "foo.elb.amazonaws.com",
        "my-lb.us-east-1.elb.amazonaws.com.example.com",
        "my-lb.us-east-1.elb.amazonaws.com.cn",  # the commercial region under the China suffix
        "my-nlb.elb.cn-north-1.amazonaws.com",  # a China region under the commercial suffix
        "my-lb.xx-nowhere-9.elb.amazonaws.com",
        # Services external-dns does not alias automatically.
        "my-bucket.s3-website-us-east-1.amazonaws.com",
        "my-bucket.s3-website.eu-west-1.amazonaws.com",
        "my-env.us-east-1.elasticbeanstalk.com",
        "my-db.abcdefgh.us-east-1.rds.amazonaws.com",
        "abcdef.execute-api.cn-north-1.amazonaws.com.cn",
    ],
)
def test_not_an_alias_target(host: str) -> None:
    assert canonical_hosted_zone(host) is None


def test_table_sizes_and_shape() -> None:
    assert len(aws_alias.ALB_ZONES) == 38
    assert len(aws_alias.NLB_ZONES) == 38
    assert len(aws_alias.API_GATEWAY_ZONES) == 24
    assert len(aws_alias.VPC_ENDPOINT_ZONES) == 29
    assert len(CANONICAL_HOSTED_ZONES) == 38 + 38 + 24 + 29 + 2
    for zone in CANONICAL_HOSTED_ZONES.values():
        assert zone.startswith("Z")
        assert zone == zone.upper()


def test_no_suffix_shadows_another() -> None:
    # The lookup relies on this: with it, the order suffixes are tried in cannot change an answer.
    keys = list(CANONICAL_HOSTED_ZONES)
    for a in keys:
        for b in keys:
            assert a == b or not a.endswith("." + b), (a, b)


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        CANONICAL_HOSTED_ZONES["example.com"] = "Z1"  # type: ignore[index]
