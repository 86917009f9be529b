"""Reference docs are generated from the code and cannot drift; every annotation is documented."""

from __future__ import annotations

from pathlib import Path

from zonekeeper import annotations as ann
from zonekeeper import reference
from zonekeeper.providers import aws_rules

ROOT = Path(__file__).resolve().parent.parent.parent


def test_committed_reference_docs_match_the_code() -> None:
    for rel, render in reference.DOCS.items():
        committed = (ROOT / rel).read_text()
        assert committed == render(), f"{rel} is stale: run `uv run python -m zonekeeper.reference`"


def test_every_annotation_the_sources_read_is_documented() -> None:
    documented = {row[0] for row in reference.ANNOTATIONS}
    constants = {getattr(ann, name) for name in dir(ann) if name.isupper() and isinstance(getattr(ann, name), str)}
    keys = {c for c in constants if c and "/" not in c and c == c.lower() and not c.endswith("-")
            and c not in {"public", "private", "defined-hosts-only", "annotation-only"}}
    assert keys <= documented, keys - documented
    aws_props = {p.removeprefix("aws/") for p in (rule.name for rule in aws_rules.PROPERTY_RULES) if p.startswith("aws/")}
    assert {f"aws-{p}" for p in aws_props} <= documented


def test_flags_doc_lists_every_flag() -> None:
    text = (ROOT / "docs/flags.md").read_text()
    for flag in ("--txt-owner-id", "--domain-filter", "--aws-zone-tags", "--leader-elect", "--detailed-exitcode",
                 "ZONEKEEPER_TXT_OWNER_ID"):
        assert f"`{flag}`" in text, flag
