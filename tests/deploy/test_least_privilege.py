"""Grants no code of the function uses (read from the translated template).

- The integrations function only writes and deletes secrets (`SecretsManagerStore.put`/`delete` from
  `integrations/configure.py` and `remove.py`; the API's secrets are write-only): nothing it runs calls
  `get_secret_value` or `describe_secret` (the readers are `connection/jira_access.py`,
  `connect/verification.py` and `webhooks/authentication.py`, which run in the other functions). Yet its
  role may read every integration's Jira credentials and every site's webhook secret.
- The send function never changes a message's visibility (`RetryQueue.postpone` is called only by
  `functions/retry_worker/app.py`); it inherits `sqs:ChangeMessageVisibility` from the statements it shares
  with the retry worker (`&SendStatements`).
"""

from __future__ import annotations

from typing import Any

from tests.deploy.test_iam_policies import _as_list, _role_id, _statements


def _actions(document: dict[str, Any], function: str) -> set[str]:
    resources = document["Resources"]
    return {
        action
        for _, statement in _statements(resources, _role_id(resources, function))
        for action in _as_list(statement["Action"])
    }


def test_the_integrations_function_cannot_read_the_secrets_it_only_writes(translated: dict[str, Any]) -> None:
    granted = _actions(translated, "IntegrationsFunction")
    assert not granted & {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, sorted(granted)


def test_the_send_function_cannot_change_message_visibility(translated: dict[str, Any]) -> None:
    assert "sqs:ChangeMessageVisibility" not in _actions(translated, "SendFeatureFunction")
