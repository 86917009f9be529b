"""Ownership registries: who owns which record, kept where external-dns keeps it.

`mapper` (record name <-> TXT name), `labels` (TXT value <-> labels) and `crypto` (sealed values)
reproduce external-dns's TXT registry format byte for byte; `txt` is the registry built on them.
"""
