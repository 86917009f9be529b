"""AWS Route 53 through boto3, one concept a module:

  provider   Route53Provider: the Provider contract, composing the modules below
  options    Route53Options: the provider's settings
  account    Account: one AWS account (its client, rate limiter, assumed role), held per zone
  attempts   around every HTTP attempt: rate-limit token, write fence, call accounting, throttling
  zones      zone discovery, the zone filters (id, type, domain, tags), the zone cache, zone → account
  listing    ListResourceRecordSets paging, for a zone or for one name and type
  rrsets     record set ↔ Endpoint conversion (pure)
  records    the record cache, kept current from what was applied; generations; re-reading records
  changes    change groups as Route 53 changes (DELETE + CREATE for an update), packed into requests
  batching   Route 53's request limits and next-fit packing (pure)
  send       sending a request; narrowing a refused batch down to the groups at fault; stale re-reads
  errors     Route 53's refusal messages: split, matched to the record sets they name, stale or not (pure)
  refused    groups refused as stale, not sent again while their records read the same

What Route 53 accepts of a desired endpoint (routing policies, alias, TTL) is in providers/aws_rules.py.
"""

from zonekeeper.providers.route53.account import Account
from zonekeeper.providers.route53.options import Route53Options
from zonekeeper.providers.route53.provider import Route53Provider

__all__ = ["Account", "Route53Options", "Route53Provider"]
