"""Secrets Manager adapter: Jira credentials and webhook secrets, one JSON secret each.

Every value read or written is registered with the integration log's redaction, so it can never
reach a log line even inside an exception message.
"""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from aha_jira.redaction import is_secret_key, register_secret
from aha_jira.storage import aws_clients


def _register(value: dict[str, str]) -> None:
    # Only the secret parts: registering a descriptive value such as "password" would redact that word.
    for key, item in value.items():
        if is_secret_key(key):
            register_secret(item)


class SecretsManagerStore:
    def __init__(self) -> None:
        self._client = aws_clients.secretsmanager()

    def put(self, name: str, value: dict[str, str]) -> None:
        _register(value)
        payload = json.dumps(value)
        try:
            self._client.put_secret_value(SecretId=name, SecretString=payload)
        except ClientError as error:
            if _code(error) != "ResourceNotFoundException":
                raise _without_secret(error) from None
            self._client.create_secret(
                Name=name,
                SecretString=payload,
                Tags=[{"Key": "application", "Value": "aha-jira"}],
            )

    def get(self, name: str) -> dict[str, str] | None:
        try:
            answer = self._client.get_secret_value(SecretId=name)
        except ClientError as error:
            if _code(error) == "ResourceNotFoundException":
                return None
            raise _without_secret(error) from None
        value: dict[str, str] = json.loads(answer["SecretString"])
        _register(value)
        return value

    def delete(self, name: str) -> None:
        # Deleted at once: a removed integration's credentials have no reason to linger, and a
        # re-created integration with the same id must be able to store new ones straight away.
        try:
            self._client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
        except ClientError as error:
            if _code(error) != "ResourceNotFoundException":
                raise _without_secret(error) from None


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _without_secret(error: ClientError) -> RuntimeError:
    # botocore's message names the operation and the error code, never the parameters; keep only those.
    return RuntimeError(f"Secrets Manager refused the request: {_code(error)}")
