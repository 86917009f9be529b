"""A DynamoDB endpoint for tests: moto's server app on 127.0.0.1 (moto's DynamoDB lives in the same
in-process backends as its Route 53: a reset of one is a reset of both)."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

TABLE = "external-dns"


class _QuietHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class DynamoDBServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self._server = make_server(host, 0, DomainDispatcherApplication(create_backend_app), threaded=True,
                                   request_handler=_QuietHandler)
        self.endpoint = f"http://{host}:{self._server.server_address[1]}"
        self._thread: threading.Thread | None = None
        self._client: Any = None

    def __enter__(self) -> DynamoDBServer:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="dynamodb", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join()
        self._server.server_close()

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = boto3.session.Session(
                aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1",
            ).client("dynamodb", endpoint_url=self.endpoint)
        return self._client

    def reset(self) -> None:
        for name in self.client.list_tables()["TableNames"]:
            self.client.delete_table(TableName=name)

    def create_table(self, name: str = TABLE, *, key: str = "k", key_type: str = "S", range_key: str = "") -> None:
        """A table as external-dns's docs create it (hash key `k`, type S), or another schema."""
        attrs = [{"AttributeName": key, "AttributeType": key_type}]
        schema = [{"AttributeName": key, "KeyType": "HASH"}]
        if range_key:
            attrs.append({"AttributeName": range_key, "AttributeType": "S"})
            schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
        self.client.create_table(TableName=name, AttributeDefinitions=attrs, KeySchema=schema,
                                 BillingMode="PAY_PER_REQUEST")

    def put(self, key: str, owner: str, table: str = TABLE, **labels: str) -> None:
        self.client.put_item(TableName=table, Item={"k": {"S": key}, "o": {"S": owner},
                                                    "l": {"M": {k: {"S": v} for k, v in labels.items()}}})

    def items(self, table: str = TABLE) -> dict[str, tuple[str, dict[str, str]]]:
        """key -> (owner, labels) of every item."""
        out: dict[str, tuple[str, dict[str, str]]] = {}
        for page in self.client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
            for item in page["Items"]:
                labels = {k: v["S"] for k, v in item.get("l", {}).get("M", {}).items()}
                out[item["k"]["S"]] = (item["o"]["S"], labels)
        return out
