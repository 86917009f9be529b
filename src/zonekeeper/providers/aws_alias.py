"""Canonical hosted zones of AWS services that Route 53 alias records can point at.

An alias record needs `AliasTarget.HostedZoneId`: the zone AWS serves the target name from, not the
zone the record lives in. For load balancers and a few other services that id is fixed per service
and region and can be read off the target's hostname. Whether a hostname is found here also decides
whether a CNAME to it becomes an A/AAAA alias (`AdjustEndpoints` in external-dns), so this table
must agree with external-dns's `canonicalHostedZones` entry for entry: a target one tool aliases and
the other CNAMEs would make the two fight over the record after a migration.

Source: external-dns `provider/aws/aws.go` `canonicalHostedZones`, which follows AWS's published
tables ("Elastic Load Balancing endpoints and quotas", https://docs.aws.amazon.com/general/latest/gr/elb.html,
and "Amazon API Gateway endpoints and quotas", https://docs.aws.amazon.com/general/latest/gr/apigateway.html).
The ELB rows include ap-east-2 and ap-southeast-6, which newer external-dns releases carry.
S3 website endpoints and Elastic Beanstalk are not in external-dns's table, so they are not here
either: such targets need an explicit `aws/target-hosted-zone`.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

# Application and Classic Load Balancers: `<name>-<id>.<region>.elb.amazonaws.com`
# (`internal-` names and the `dualstack.` prefix live to the left and do not matter).
ALB_ZONES: Final[dict[str, str]] = {
    "af-south-1": "Z268VQBMOI5EKX",
    "ap-east-1": "Z3DQVH9N71FHZ0",
    "ap-east-2": "Z02789141MW7T1WBU19PO",
    "ap-northeast-1": "Z14GRHDCWA56QT",
    "ap-northeast-2": "ZWKZPGTI48KDX",
    "ap-northeast-3": "Z5LXEXXYW11ES",
    "ap-south-1": "ZP97RAFLXTNZK",
    "ap-south-2": "Z0173938T07WNTVAEPZN",
    "ap-southeast-1": "Z1LMS91P8CMLE5",
    "ap-southeast-2": "Z1GM3OXH4ZPM65",
    "ap-southeast-3": "Z08888821HLRG5A9ZRTER",
    "ap-southeast-4": "Z09517862IB2WZLPXG76F",
    "ap-southeast-5": "Z06010284QMVVW7WO5J",
    "ap-southeast-6": "Z023301818UFJ50CIO0MV",
    "ap-southeast-7": "Z0390008CMBRTHFGWBCB",
    "ca-central-1": "ZQSVJUPU6J1EY",
    "ca-west-1": "Z06473681N0SF6OS049SD",
    "cn-north-1": "Z1GDH35T77C1KE",
    "cn-northwest-1": "ZM7IZAIOVVDZF",
    "eu-central-1": "Z215JYRZR1TBD5",
    "eu-central-2": "Z06391101F2ZOEP8P5EB3",
    "eu-north-1": "Z23TAZ6LKFMNIO",
    "eu-south-1": "Z3ULH7SSC9OV64",
    "eu-south-2": "Z0956581394HF5D5LXGAP",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-west-3": "Z3Q77PNBQS71R4",
    "il-central-1": "Z09170902867EHPV2DABU",
    "me-central-1": "Z08230872XQRWHG2XF6I",
    "me-south-1": "ZS929ML54UICD",
    "mx-central-1": "Z023552324OKD1BB28BH5",
    "sa-east-1": "Z2P70J7HTTTPLU",
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-gov-east-1": "Z166TLBEWOO7G0",
    "us-gov-west-1": "Z33AYJ8TM3BH4J",
    "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5",
}

# Network Load Balancers: `<name>-<hex>.elb.<region>.amazonaws.com`. Same service, different
# canonical zone from ALB/CLB in the same region, told apart only by where `elb` sits.
NLB_ZONES: Final[dict[str, str]] = {
    "af-south-1": "Z203XCE67M25HM",
    "ap-east-1": "Z12Y7K3UBGUAD1",
    "ap-east-2": "Z09176273OC2HWIAUNYW",
    "ap-northeast-1": "Z31USIVHYNEOWT",
    "ap-northeast-2": "ZIBE1TIR4HY56",
    "ap-northeast-3": "Z1GWIQ4HH19I5X",
    "ap-south-1": "ZVDDRBQ08TROA",
    "ap-south-2": "Z0711778386UTO08407HT",
    "ap-southeast-1": "ZKVM4W9LS7TM",
    "ap-southeast-2": "ZCT6FZBF4DROD",
    "ap-southeast-3": "Z01971771FYVNCOVWJU1G",
    "ap-southeast-4": "Z01156963G8MIIL7X90IV",
    "ap-southeast-5": "Z026317210H9ACVTRO6FB",
    "ap-southeast-6": "Z01392953RKV2Q3RBP0KU",
    "ap-southeast-7": "Z054363131YWATEMWRG5L",
    "ca-central-1": "Z2EPGBW3API2WT",
    "ca-west-1": "Z02754302KBB00W2LKWZ9",
    "cn-north-1": "Z3QFB96KMJ7ED6",
    "cn-northwest-1": "ZQEIKTCZ8352D",
    "eu-central-1": "Z3F0SRJ5LGBH90",
    "eu-central-2": "Z02239872DOALSIDCX66S",
    "eu-north-1": "Z1UDT6IFJ4EJM",
    "eu-south-1": "Z23146JA1KNAFP",
    "eu-south-2": "Z1011216NVTVYADP1SSV",
    "eu-west-1": "Z2IFOLAFXWLO4F",
    "eu-west-2": "ZD4D7Y8KGAS4G",
    "eu-west-3": "Z1CMS0P5QUZ6D5",
    "il-central-1": "Z0313266YDI6ZRHTGQY4",
    "me-central-1": "Z00282643NTTLPANJJG2P",
    "me-south-1": "Z3QSRYVP46NYYV",
    "mx-central-1": "Z02031231H3ID6HYJ9A7U",
    "sa-east-1": "ZTK26PT1VY4CU",
    "us-east-1": "Z26RNL4JYFTOTI",
    "us-east-2": "ZLMOA37VPKANP",
    "us-gov-east-1": "Z1ZSMQQ6Q24QQ8",
    "us-gov-west-1": "ZMG1MZ2THAWF1",
    "us-west-1": "Z24FKFUX50B4VW",
    "us-west-2": "Z18D5FSROUN65G",
}

# API Gateway regional endpoints: `<api-id>.execute-api.<region>.amazonaws.com`. Edge-optimised
# endpoints are CloudFront distributions and resolve through CLOUDFRONT_ZONE.
API_GATEWAY_ZONES: Final[dict[str, str]] = {
    "af-south-1": "Z2DHW2332DAMTN",
    "ap-east-1": "Z3FD1VL90ND7K5",
    "ap-northeast-1": "Z1YSHQZHG15GKL",
    "ap-northeast-2": "Z20JF4UZKIW1U8",
    "ap-south-1": "Z3VO1THU9YC4UR",
    "ap-southeast-1": "ZL327KTPIQFUL",
    "ap-southeast-2": "Z2RPCDW04V8134",
    "ca-central-1": "Z19DQILCV0OWEC",
    "eu-central-1": "Z1U9ULNL0V5AJ3",
    "eu-north-1": "Z3UWIKFBOOGXPP",
    "eu-south-1": "Z3BT4WSQ9TDYZV",
    "eu-south-2": "Z02499852UI5HEQ5JVWX3",
    "eu-west-1": "ZLY8HYME6SFDD",
    "eu-west-2": "ZJ5UAJN8Y3Z2Q",
    "eu-west-3": "Z3KY65QIEKYHQQ",
    "me-central-1": "Z08780021BKYYY8U0YHTV",
    "me-south-1": "Z20ZBPC0SS8806",
    "sa-east-1": "ZCMLWB8V5SYIT",
    "us-east-1": "Z1UJRXOUMOOFQ8",
    "us-east-2": "ZOJJZC49E0EPZ",
    "us-gov-east-1": "Z3SE9ATJYCRCZJ",
    "us-gov-west-1": "Z1K6XKP9SAGWDV",
    "us-west-1": "Z2MUQ32089INYE",
    "us-west-2": "Z2OJLYMUO9EFXC",
}

# Interface VPC endpoints (PrivateLink): `vpce-….vpce-svc-….<region>.vpce.amazonaws.com`.
# external-dns aliases these (its issue #3429), so we must too, or a CNAME to a VPC endpoint would
# be an alias under one tool and a CNAME under the other.
VPC_ENDPOINT_ZONES: Final[dict[str, str]] = {
    "af-south-1": "Z09302161J80N9A7UTP7U",
    "ap-east-1": "Z2LIHJ7PKBEMWN",
    "ap-northeast-1": "Z2E726K9Y6RL4W",
    "ap-northeast-2": "Z27UANNT0PRK1T",
    "ap-northeast-3": "Z376B5OMM2JZL2",
    "ap-south-1": "Z2KVTB3ZLFM7JR",
    "ap-south-2": "Z0952991RWSF5AHIQDIY",
    "ap-southeast-1": "Z18LLCSTV4NVNL",
    "ap-southeast-2": "ZDK2GCRPAFKGO",
    "ap-southeast-3": "Z03881013RZ9BYYZO8N5W",
    "ap-southeast-4": "Z07508191CO1RNBX3X3AU",
    "ca-central-1": "ZRCXCF510Y6P9",
    "eu-central-1": "Z273ZU8SZ5RJPC",
    "eu-central-2": "Z045369019J4FUQ4S272E",
    "eu-north-1": "Z3OWWK6JFDEDGC",
    "eu-south-1": "Z2A5FDNRLY7KZG",
    "eu-south-2": "Z014396544HENR57XQCJ",
    "eu-west-1": "Z38GZ743OKFT7T",
    "eu-west-2": "Z7K1066E3PUKB",
    "eu-west-3": "Z1DWHTMFP0WECP",
    "me-central-1": "Z07122992YCEUCB9A9570",
    "me-south-1": "Z3B95P3VBGEQGY",
    "sa-east-1": "Z2LXUWEVLCVZIB",
    "us-east-1": "Z7HUB22UULQXV",
    "us-east-2": "ZC8PG0KIFKBRI",
    "us-gov-east-1": "Z2MU5TEIGO9WXB",
    "us-gov-west-1": "Z12529ZODG2B6H",
    "us-west-1": "Z12I86A8N7VCZO",
    "us-west-2": "Z1YSA3EXCYUU9Z",
}

# Global services: one zone for every distribution / accelerator. CloudFront also serves
# API Gateway edge-optimised endpoints.
CLOUDFRONT_ZONE: Final = "Z2FDTNDATAQYW2"
GLOBAL_ACCELERATOR_ZONE: Final = "Z2BJ6XQ5FK7U4H"


def _domain(region: str) -> str:
    # The China partition has its own DNS suffix; GovCloud shares the commercial one.
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def _suffix_table() -> dict[str, str]:
    table: dict[str, str] = {
        "cloudfront.net": CLOUDFRONT_ZONE,
        "awsglobalaccelerator.com": GLOBAL_ACCELERATOR_ZONE,
    }
    for region, zone in ALB_ZONES.items():
        table[f"{region}.elb.{_domain(region)}"] = zone
    for region, zone in NLB_ZONES.items():
        table[f"elb.{region}.{_domain(region)}"] = zone
    for region, zone in API_GATEWAY_ZONES.items():
        table[f"execute-api.{region}.{_domain(region)}"] = zone
    for region, zone in VPC_ENDPOINT_ZONES.items():
        table[f"{region}.vpce.{_domain(region)}"] = zone
    return table


# Hostname suffix -> canonical zone id, the shape external-dns keeps. No key is a suffix of another
# key, so at most one can match a hostname and the lookup order cannot change the answer.
CANONICAL_HOSTED_ZONES: Final = MappingProxyType(_suffix_table())


def _normalize(hostname: str) -> str:
    return hostname.strip().rstrip(".").lower()


def canonical_hosted_zone(hostname: str) -> str | None:
    """The alias target hosted zone id for an AWS service hostname, or None if it is not one.

    Case-insensitive and tolerant of a trailing dot. Prefixes such as `dualstack.` or `internal-`
    are left of the matched suffix and so need no special case.
    """
    labels = _normalize(hostname).split(".")
    # Shortest suffix first, as external-dns does; at most one suffix can match (see above).
    for start in range(len(labels) - 2, -1, -1):
        zone = CANONICAL_HOSTED_ZONES.get(".".join(labels[start:]))
        if zone is not None:
            return zone
    return None

