"""The delivery store against moto: a delivery is recorded once; a write the SDK retried after it had
committed (its answer lost on the way back) is recognised as this attempt's own, not as a duplicate."""

from __future__ import annotations

from aha_jira.storage.webhook_deliveries import DynamoWebhookDeliveries
from aha_jira.webhooks.deliveries import new_delivery
from aha_jira_dev.local_stack.provision import LocalResources


def test_a_delivery_is_recorded_once(aws: LocalResources) -> None:
    store = DynamoWebhookDeliveries(aws.table_name("WebhookDeliveriesTable"))
    first = new_delivery("https://acme.atlassian.net", "id-1", "jira:issue_updated", {})
    assert store.record(first) is True
    again = new_delivery(
        "https://acme.atlassian.net", "id-1", "jira:issue_updated", {"x-atlassian-webhook-retry": "1"}
    )
    assert store.record(again) is False
    other_site = new_delivery("https://other.atlassian.net", "id-1", "jira:issue_updated", {})
    assert store.record(other_site) is True


def test_our_own_committed_write_retried_is_not_a_duplicate(aws: LocalResources) -> None:
    store = DynamoWebhookDeliveries(aws.table_name("WebhookDeliveriesTable"))
    delivery = new_delivery("https://acme.atlassian.net", "id-2", "jira:issue_updated", {})
    assert store.commit(delivery, []).committed
    # The same attempt writing again (what an SDK retry after a lost answer does): recognised as ours.
    assert store.commit(delivery, []).committed
    assert store.record(delivery) is True
    # Another attempt (Jira's redelivery) is a duplicate.
    redelivery = new_delivery("https://acme.atlassian.net", "id-2", "jira:issue_updated", {})
    result = store.commit(redelivery, [])
    assert result.duplicate and not result.committed
