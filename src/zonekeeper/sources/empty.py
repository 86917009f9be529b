"""The `empty` source: no objects, no endpoints, as external-dns v0.23.0's (its placeholder and test
source). With --policy=sync every record the owner id owns is then deleted, as external-dns would."""

from __future__ import annotations

from zonekeeper.sources.base import Source

SOURCE = Source("empty", ())
