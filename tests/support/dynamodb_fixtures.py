"""pytest fixtures for the DynamoDB endpoint (moto server).

* ``dynamodb_server`` (session): one server for the run.
* ``dynamodb`` (function): the same server, with no tables.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .dynamodb import DynamoDBServer


@pytest.fixture(scope="session")
def dynamodb_server() -> Iterator[DynamoDBServer]:
    with DynamoDBServer() as server:
        yield server


@pytest.fixture
def dynamodb(dynamodb_server: DynamoDBServer) -> DynamoDBServer:
    dynamodb_server.reset()
    return dynamodb_server
