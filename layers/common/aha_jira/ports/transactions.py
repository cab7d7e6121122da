"""What an adapter prepares for a use case to commit together with others, in one DynamoDB transaction."""

from __future__ import annotations

from typing import Any

# Transaction items (DynamoDB `TransactWriteItems` entries) an adapter prepares for a use case to commit
# together with others: the webhook's delivery and its record changes, an import's link, claim and record.
TransactionItem = dict[str, Any]
