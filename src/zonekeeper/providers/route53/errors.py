"""Route 53's answers to a refused ChangeResourceRecordSets, read as values. Pure.

An InvalidChangeBatch carries one message per change at fault; boto3 shows them joined as
`[m1, m2]` in Error/Message. Most name the record set they object to (`[name='a.example.com.',
type='A']`, `DNS name a.example.com. is not permitted`, `DNS name a.example.com., type A`), which
lets the sender blame those groups alone and apply the others in one more request; messages that
name no record (a bad IP address, say) leave it to bisect.

Three messages mean the change was made against records that are no longer what we read ("already
exists", "not found", "values do not match"): the refusal is *stale*, and the records are read again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# Errors that object to the content of a batch: some change in it is at fault, not the request.
CHANGE_REJECTIONS = frozenset({"InvalidChangeBatch", "InvalidInput", "NoSuchHealthCheck"})

# Route 53's words for a change made against records that are no longer what we read.
_STALE = re.compile(r"but it already exists|but it was not found|but the values provided do not match")

# Where one message of the joined list ends and the next begins: a comma before a message's first words.
_MESSAGE_START = re.compile(r", (?=(?:Tried|RRSet|Invalid|The request|Number of|Duplicate|Missing|A health)\b)")


def error_of(response: Mapping[str, Any], fallback: str) -> tuple[str, str]:
    """(code, message) of a botocore error response; `fallback` when it carries no message."""
    err = response.get("Error", {})
    return str(err.get("Code", "")), str(err.get("Message", fallback))


def split_messages(text: str) -> list[str]:
    """The individual messages of an InvalidChangeBatch error message."""
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [m.strip() for m in _MESSAGE_START.split(text) if m.strip()] or [text]


def is_stale(message: str) -> bool:
    return _STALE.search(message) is not None


def names_record(message: str, name: str) -> bool:
    """Whether `message` names the record set `name` (as sent: lower case, with the root dot)."""
    text = message.lower()
    return f"'{name}'" in text or f" {name} " in text or f"{name}," in text


def blame(messages: Sequence[str], names: Sequence[Iterable[str]]) -> dict[int, list[str]]:
    """For each group (by index) whose record set names the messages mention, those messages."""
    blamed: dict[int, list[str]] = {}
    for i, group_names in enumerate(names):
        wanted = set(group_names)
        hits = [m for m in messages if any(names_record(m, n) for n in wanted)]
        if hits:
            blamed[i] = hits
    return blamed
