"""What the record model keeps per record: at 100,000 Services every copy counts (issue 12: RSS <= 400 MB)."""

from __future__ import annotations

from zonekeeper.endpoint import Endpoint


def test_every_record_of_a_type_shares_one_type_string() -> None:
    # Types decoded from Route 53's answers (and from objects) arrive as new strings, one per record.
    decoded = ["".join(["T", "X", "T"]), "txt", bytes("TXT", "ascii").decode()]
    records = [Endpoint.new(f"r{i}.example.com", rtype, ['"v"']) for i, rtype in enumerate(decoded)]
    assert len({id(r.type) for r in records}) == 1
    assert {r.type for r in records} == {"TXT"}
