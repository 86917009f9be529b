"""A DynamoDB endpoint for tests: moto's server app on 127.0.0.1 (moto's DynamoDB lives in the same
in-process backends as its Route 53: a reset of one is a reset of both).

moto (5.2) cannot run the PartiQL statements the DynamoDB registries (external-dns's, zonekeeper's) send
(parameters in an INSERT or a DELETE fail, and an INSERT over an existing key succeeds):
BatchExecuteStatement calls of those shapes are carried out here with moto's item API and DynamoDB's
answers (`DuplicateItem`, `ConditionalCheckFailed`); every other request goes to moto as it is.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

TABLE = "external-dns"


class _QuietHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


_TABLE = r'"(?P<table>[^"]+)"'
_INSERT = re.compile(rf"INSERT INTO {_TABLE} VALUE \{{'k':\?, 'o':\?, 'l':\?\}}")
_UPDATE = re.compile(rf'UPDATE {_TABLE} SET "l"=\? WHERE "k"=\?(?P<owned> AND "o"=\?)?')
_DELETE = re.compile(rf'DELETE FROM {_TABLE} WHERE "k"=\? AND "o"=\?')
_BATCH = "DynamoDB_20120810.BatchExecuteStatement"


class DynamoDBServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self._moto = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(host, 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
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

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET") != _BATCH:
            return self._moto(environ, start_response)  # type: ignore[no-any-return]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        payload = json.dumps({"Responses": [self._statement(s) for s in body.get("Statements", [])]}).encode()
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0"),
                                  ("Content-Length", str(len(payload)))])
        return [payload]

    def _statement(self, statement: dict[str, Any]) -> dict[str, Any]:
        """One of external-dns's three statements, as DynamoDB answers it in a batch."""
        text, params = statement.get("Statement", ""), statement.get("Parameters", [])
        from botocore.exceptions import ClientError

        for pattern, run, failure in ((_INSERT, self._insert, ("DuplicateItem", "Duplicate primary key exists in table")),
                                      (_UPDATE, self._update, ("ConditionalCheckFailed", "The conditional request failed")),
                                      (_DELETE, self._delete, ("ConditionalCheckFailed", "The conditional request failed"))):
            match = pattern.fullmatch(text)
            if match is None:
                continue
            table = match["table"]
            try:
                run(table, params)
            except ClientError as exc:
                code = exc.response["Error"]["Code"]
                if code != "ConditionalCheckFailedException":
                    return {"TableName": table, "Error": {"Code": code, "Message": str(exc)}}
                return {"TableName": table, "Error": {"Code": failure[0], "Message": failure[1]}}
            return {"TableName": table}
        return {"Error": {"Code": "ValidationError", "Message": f"statement not supported here: {text}"}}

    def _insert(self, table: str, params: list[Any]) -> None:
        self.client.put_item(TableName=table, Item={"k": params[0], "o": params[1], "l": params[2]},
                             ConditionExpression="attribute_not_exists(k)")

    def _update(self, table: str, params: list[Any]) -> None:
        # external-dns's form names the key only; zonekeeper's also the owner (`AND "o"=?`).
        condition, values = "attribute_exists(k)", {":l": params[0]}
        if len(params) > 2:
            condition, values = condition + " AND #o = :o", {**values, ":o": params[2]}
        self.client.update_item(TableName=table, Key={"k": params[1]}, UpdateExpression="SET #l = :l",
                                ConditionExpression=condition, ExpressionAttributeValues=values,
                                ExpressionAttributeNames={"#l": "l", **({"#o": "o"} if len(params) > 2 else {})})

    def _delete(self, table: str, params: list[Any]) -> None:
        self.client.delete_item(TableName=table, Key={"k": params[0]}, ConditionExpression="#o = :o",
                                ExpressionAttributeNames={"#o": "o"}, ExpressionAttributeValues={":o": params[1]})

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
