"""Exit codes: one table for every command (README.md, "Exit codes").

Terraform's detailed exit codes where they overlap (`plan --detailed-exitcode`: 0 nothing to do,
1 error, 2 changes pending), plus what a CI job needs to tell apart after `run --once`: everything
was applied (0), something broke (1), or everything that could be done was done and some names or
objects were deliberately left alone (3: owned by others, ambiguous ownership, invalid objects or
annotations, deletions held by the guard — each one reported). Bad flags or configuration get
sysexits' EX_USAGE (64) rather than click's 2, which would read as "changes pending".
"""

from __future__ import annotations

from zonekeeper.pipeline import PassResult

OK = 0
ERROR = 1
CHANGES = 2
REFUSED = 3
USAGE = 64


def failed(result: PassResult) -> bool:
    """Something did not work: the zones could not be listed, a zone could not be read or written,
    or Route 53 refused a change."""
    return not result.listed_all or any(z.error or z.failed for z in result.zones)


def refused(result: PassResult) -> bool:
    """Names or objects left alone on purpose, each reported as a problem."""
    return bool(result.all_problems) or any(z.guarded for z in result.zones)


def of_run(result: PassResult | None) -> int:
    """`run --once`: 1 if anything failed, else 3 if anything was refused, else 0."""
    if result is None:
        return OK
    if failed(result):
        return ERROR
    return REFUSED if refused(result) else OK


def of_plan(result: PassResult, *, detailed: bool) -> int:
    """`plan`: 1 on error; with --detailed-exitcode also 2 for changes pending (which wins over
    refusals: applying is the next step either way) and 3 for refusals alone."""
    if failed(result):
        return ERROR
    if not detailed:
        return OK
    if result.changes:
        return CHANGES
    return REFUSED if refused(result) else OK
