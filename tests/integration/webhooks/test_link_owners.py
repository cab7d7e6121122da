"""One record, clear owners: the webhook writes exactly the link's Jira-side state (`IssueLink.jira`, whose fields
are the attribute list), and the item stays flat, so a record stored before that state had its own model
reads the same."""

from __future__ import annotations

import boto3

from aha_jira.models.issue_link import IssueLink, JiraSide
from aha_jira.storage.issue_link_items import WEBHOOK_ATTRIBUTES
from aha_jira.storage.issue_links import DynamoIssueLinkRepository
from aha_jira_dev.local_stack.provision import LocalResources

# A linked record as the webhook and a send left it, written the way every stored item is: flat attributes.
FLAT_ITEM = {
    "pk": "INTEGRATION#mob",
    "sk": "RECORD#PROD-2",
    "integration_id": "mob",
    "reference": "PROD-2",
    "kind": "feature",
    "feature_reference": "PROD-2",
    "state": "linked",
    "token": "t",
    "site_url": "https://acme.atlassian.net",
    "issue_id": "10040",
    "issue_key": "TES-41",
    "content_hash": "h",
    "name": "Checkout",
    "jira_status": "In Progress",
    "roadmap_status": "In development",
    "spent_seconds": 3600,
    "worklogs": {"7": {"changes": [{"at": 5, "kind": "created", "seconds": 3600}]}},
    "webhook_rev": 3,
}


def test_the_webhook_attributes_are_the_jira_side_fields_and_no_link_field() -> None:
    assert set(JiraSide.model_fields) == WEBHOOK_ATTRIBUTES
    assert not WEBHOOK_ATTRIBUTES & set(IssueLink.model_fields)


def test_a_flat_item_reads_into_the_nested_record_and_the_webhook_writes_only_the_jira_side(
    aws: LocalResources,
) -> None:
    table = aws.table_name("IssueLinksTable")
    boto3.resource("dynamodb").Table(table).put_item(Item=FLAT_ITEM)
    links = DynamoIssueLinkRepository(table)
    link = links.get_many("mob", ["PROD-2"])["PROD-2"]
    assert (link.issue_key, link.content_hash) == ("TES-41", "h")
    assert (link.jira.name, link.jira.jira_status, link.jira.spent_seconds) == (
        "Checkout",
        "In Progress",
        3600,
    )
    assert link.jira.worklogs["7"].changes[0].seconds == 3600

    item = links.webhook_write(link.with_jira(jira_status="Done", webhook_rev=4), expected_rev=3)["Update"]
    assert set(item["ExpressionAttributeNames"].values()) - {"state"} == WEBHOOK_ATTRIBUTES
    assert links.write_webhook_change(link.with_jira(jira_status="Done", webhook_rev=4), expected_rev=3)
    stored = (
        boto3.resource("dynamodb").Table(table).get_item(Key={"pk": "INTEGRATION#mob", "sk": "RECORD#PROD-2"})
    )
    after = stored["Item"]
    assert after["jira_status"] == "Done" and after["webhook_rev"] == 4 and "jira" not in after
    assert (after["content_hash"], after["token"]) == ("h", "t")  # the send's attributes untouched
