"""Ownership registries: who owns which record, kept where external-dns keeps it.

`base` declares the Registry protocol and the registry-neutral ZoneState the pipeline plans with;
each implementation is one module: `txt` (ownership TXT records), `dynamodb` (items of a DynamoDB table,
encoded by `dynamodb_items`) and `noop` (no ownership).
`mapper` (record name <-> TXT name), `labels` (TXT value <-> labels) and `crypto` (sealed values)
reproduce external-dns's TXT registry format byte for byte; `txt` is the registry built on them.
"""
