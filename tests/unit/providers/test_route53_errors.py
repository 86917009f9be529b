"""Route 53's refusal messages → which change is refused and why, on plain data.

The texts are Route 53's own as boto3 users see them (InvalidChangeBatch's messages joined as
`[m1, m2]` in Error/Message), in the wording the strict test endpoint marks as verified
(tests/support/route53_rules.py); the sender's behaviour around them is covered against that
endpoint in tests/integration/test_route53_requests.py.
"""

from __future__ import annotations

import pytest

from zonekeeper.providers.route53.errors import (
    CHANGE_REJECTIONS,
    blame,
    error_of,
    is_stale,
    names_record,
    split_messages,
)

ALREADY_EXISTS = "Tried to create resource record set [name='a.example.com.', type='A'] but it already exists"
NOT_FOUND = ("Tried to delete resource record set [name='b.example.com.', type='TXT', set-identifier='blue'] "
             "but it was not found")
VALUES_MISMATCH = ("Tried to delete resource record set [name='c.example.com.', type='A'] but the values provided "
                   "do not match the current values")
OUT_OF_ZONE = "RRSet with DNS name d.example.org. is not permitted in zone example.com."
CNAME_CONFLICT = ("RRSet of type CNAME with DNS name e.example.com. is not permitted as it conflicts with other "
                  "records with the same DNS name in zone example.com.")
SIMPLE_VS_ROUTING = ("RRSet with DNS name f.example.com., type A cannot be created as other RRSets exist with the "
                     "same name and type.")
BAD_IPV4 = ("Invalid Resource Record: FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) "
            "encountered with '300.1.1.1'")
DUPLICATE_CHANGE = "The request contains an invalid set of changes for a resource record set 'A g.example.com.'"
RECORDS_LIMIT = "Number of records limit of 1000 exceeded."


def test_the_joined_list_is_split_into_its_messages() -> None:
    joined = "[" + ", ".join([ALREADY_EXISTS, OUT_OF_ZONE, BAD_IPV4, NOT_FOUND, SIMPLE_VS_ROUTING,
                              DUPLICATE_CHANGE, RECORDS_LIMIT]) + "]"
    assert split_messages(joined) == [ALREADY_EXISTS, OUT_OF_ZONE, BAD_IPV4, NOT_FOUND, SIMPLE_VS_ROUTING,
                                      DUPLICATE_CHANGE, RECORDS_LIMIT]


def test_a_single_message_with_or_without_brackets_is_one_message() -> None:
    assert split_messages(VALUES_MISMATCH) == [VALUES_MISMATCH]
    assert split_messages(f"[{CNAME_CONFLICT}]") == [CNAME_CONFLICT]
    # A comma inside a message is not a split point; only one before a message's first words is.
    assert split_messages("[RRSet of type CNAME with DNS name x.example.com. is not permitted, sorry]") == [
        "RRSet of type CNAME with DNS name x.example.com. is not permitted, sorry"]


def test_brackets_are_stripped_only_as_a_pair() -> None:
    assert split_messages("[name='a.example.com.', type='A']") == ["name='a.example.com.', type='A'"]
    assert split_messages("RRSet [name='a.example.com.']") == ["RRSet [name='a.example.com.']"]
    assert split_messages("[RRSet name='a.example.com.'") == ["[RRSet name='a.example.com.'"]


def test_an_empty_message_is_kept_as_it_is() -> None:
    assert split_messages("") == [""]
    assert split_messages("[]") == [""]


@pytest.mark.parametrize("message", [ALREADY_EXISTS, NOT_FOUND, VALUES_MISMATCH])
def test_a_change_against_records_that_changed_is_stale(message: str) -> None:
    assert is_stale(message)


@pytest.mark.parametrize("message", [OUT_OF_ZONE, CNAME_CONFLICT, SIMPLE_VS_ROUTING, BAD_IPV4, DUPLICATE_CHANGE,
                                     RECORDS_LIMIT])
def test_a_change_refused_for_what_it_says_is_not_stale(message: str) -> None:
    assert not is_stale(message)


@pytest.mark.parametrize(
    ("message", "name"),
    [
        (ALREADY_EXISTS, "a.example.com."),  # [name='…']
        (NOT_FOUND, "b.example.com."),
        (OUT_OF_ZONE, "d.example.org."),  # "DNS name … is"
        (CNAME_CONFLICT, "e.example.com."),
        (SIMPLE_VS_ROUTING, "f.example.com."),  # "DNS name …, type"
        ("Tried to create resource record set [name='A.Example.COM.', type='A'] but it already exists",
         "a.example.com."),  # Route 53 echoes the name as sent; we send lower case, compare lower case
    ],
)
def test_messages_name_the_record_set_they_refuse(message: str, name: str) -> None:
    assert names_record(message, name)


@pytest.mark.parametrize(
    ("message", "name"),
    [
        (ALREADY_EXISTS, "example.com."),  # a parent of the name is not the name
        (ALREADY_EXISTS, "xa.example.com."),
        (OUT_OF_ZONE, "example.com."),  # the zone named at the end is not a record set
        (BAD_IPV4, "a.example.com."),  # names only the value
        (RECORDS_LIMIT, "a.example.com."),
        # The duplicate-change message quotes "TYPE name" with the name last: not recognised, so a batch
        # refused with it is bisected rather than blamed.
        (DUPLICATE_CHANGE, "g.example.com."),
    ],
)
def test_messages_do_not_name_other_record_sets(message: str, name: str) -> None:
    assert not names_record(message, name)


def test_blame_points_at_the_groups_named_with_their_messages() -> None:
    messages = [ALREADY_EXISTS, OUT_OF_ZONE, BAD_IPV4]
    groups = [{"ok.example.com."}, {"a.example.com.", "a-a.example.com."}, set(), {"d.example.org."}]
    assert blame(messages, groups) == {1: [ALREADY_EXISTS], 3: [OUT_OF_ZONE]}


def test_a_group_named_by_several_messages_gets_all_of_them() -> None:
    other = "Tried to delete resource record set [name='a-a.example.com.', type='TXT'] but it was not found"
    assert blame([ALREADY_EXISTS, other], [{"a.example.com.", "a-a.example.com."}]) == {0: [ALREADY_EXISTS, other]}


def test_messages_that_name_no_group_blame_none() -> None:
    assert blame([BAD_IPV4, RECORDS_LIMIT], [{"a.example.com."}, {"b.example.com."}]) == {}
    assert blame([], [{"a.example.com."}]) == {}


def test_error_code_and_message_of_a_botocore_response() -> None:
    response = {"Error": {"Code": "InvalidChangeBatch", "Message": f"[{ALREADY_EXISTS}]", "Type": "Sender"}}
    assert error_of(response, "fallback") == ("InvalidChangeBatch", f"[{ALREADY_EXISTS}]")
    assert error_of({"Error": {"Code": "Throttling"}}, "Rate exceeded") == ("Throttling", "Rate exceeded")
    assert error_of({}, "no error document") == ("", "no error document")


def test_which_codes_object_to_the_changes_rather_than_the_request() -> None:
    assert frozenset({"InvalidChangeBatch", "InvalidInput", "NoSuchHealthCheck"}) == CHANGE_REJECTIONS
    for code in ("Throttling", "AccessDenied", "PriorRequestNotComplete", "NoSuchHostedZone", ""):
        assert code not in CHANGE_REJECTIONS
