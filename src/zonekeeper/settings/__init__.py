"""Settings, one group per pipeline stage: each module holds its stage's frozen value, the checks
of that value, and the table of flags that fill it (`flag.Flag` rows). `zonekeeper.config.Settings`
composes the groups; `zonekeeper.cli` builds the click options from the tables.

source.py    --source and what the sources read (cluster access, object filters)
domains.py   --domain-filter, --exclude-domains, the regexes, --zone-id-filter
plan.py      --policy, record types, the deletion guard
registry.py  --registry and the TXT ownership flags
provider.py  --provider, every --aws-* flag, --inmemory-zone
controller.py the loop: --interval, events, load-balancer grace, leader election
serving.py   --metrics-address, readiness, logging
"""
