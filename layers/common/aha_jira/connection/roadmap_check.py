"""Test connection's roadmap part (DESIGN.md "The roadmap side: closing the loop").

`aha`: the API key works (`GET /me`), the product exists (the integration's `product`, a reference
prefix), every mapped roadmap status (the values of `mapping.statuses`) is a status of the product's
feature workflow, and the Aha! integration exists when `roadmap.integration_ref` names one. Each failure is
an error a delivery would run into: `roadmap_auth_failed`, `roadmap_unreachable`,
`roadmap_product_not_found`, `roadmap_status_unknown`, `roadmap_integration_not_found`. A mapped status
missing from the requirement workflow is the same code as a warning: only requirement status changes
would fail.

`webhook`: one signed `ping` event is delivered to `roadmap.url`; a 2xx passes, a 401/403 is
`roadmap_auth_failed` (the receiver refused the signature), anything else `roadmap_unreachable`.

`none`: nothing to check.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aha_jira.aha.errors import AhaAuthFailed, AhaError, AhaForbidden, AhaNotFound
from aha_jira.connection.roadmap_access import aha_client_for, roadmap_webhook_for
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.test_report import Problem, ProblemCode
from aha_jira.outbound.roadmap_webhook import WebhookDeliveryFailed
from aha_jira.ports import SecretStore

if TYPE_CHECKING:
    from aha_jira.aha.client import AhaClient
    from aha_jira.aha.payloads import AhaProduct, ProductWorkflows
    from aha_jira.jira.rate_budget import SiteBudgets


@dataclass
class RoadmapCheck:
    problems: list[Problem] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    calls: int = 0

    def problem(
        self, code: ProblemCode, message: str, hint: str, *, severity: str = "error", **context: Any
    ) -> None:
        self.problems.append(
            Problem(
                code=code,
                severity="warning" if severity == "warning" else "error",
                message=message,
                hint=hint,
                context=context,
            )
        )


class _Stop(Exception):
    """A step failed in a way that makes the remaining steps meaningless."""


def check_roadmap(
    integration: StoredIntegration, secret_store: SecretStore, *, budgets: SiteBudgets | None
) -> RoadmapCheck:
    roadmap = integration.roadmap
    check = RoadmapCheck(summary={"type": roadmap.type})
    if roadmap.type == "aha":
        _check_aha(check, integration, secret_store, budgets)
    elif roadmap.type == "webhook":
        _check_webhook(check, integration, secret_store)
    return check


# --- Aha! ---------------------------------------------------------------------------------------------------


def _failure(check: RoadmapCheck, error: AhaError, doing: str) -> None:
    """An Aha! error as a problem, in the contract's codes."""
    if isinstance(error, AhaAuthFailed):
        check.problem("roadmap_auth_failed", error.message, error.hint, roadmap_key="roadmap.api_key")
    elif isinstance(error, AhaForbidden):
        check.problem(
            "roadmap_auth_failed",
            f"Aha! refused to let the API key's user {doing}.",
            error.hint,
            roadmap_key="roadmap.api_key",
        )
    else:
        hint = error.hint
        if error.transient:  # the transport's hints speak of deliveries ("the work is retried")
            hint = (
                "Check that roadmap.base_url is the address of the Aha! account (https://<account>.aha.io) and "
                "that Aha! is up, then test the connection again."
            )
        check.problem(
            "roadmap_unreachable",
            f"Aha! could not {doing}: {error.message}",
            hint,
            roadmap_key="roadmap.base_url",
        )


def _step[T](check: RoadmapCheck, doing: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except AhaError as error:
        _failure(check, error, doing)
        raise _Stop from None


def _check_aha(
    check: RoadmapCheck,
    integration: StoredIntegration,
    secret_store: SecretStore,
    budgets: SiteBudgets | None,
) -> None:
    client: AhaClient | None = None
    try:
        client = _step(
            check, "read the API key", lambda: aha_client_for(integration, secret_store, budgets=budgets)
        )
        _check_account(check, client, integration)
    except _Stop:
        pass
    finally:
        check.calls = len(client.transport.calls) if client is not None else 0


def _check_account(check: RoadmapCheck, client: AhaClient, integration: StoredIntegration) -> None:
    me = _step(check, "read the API key's user", client.me)
    check.summary["base_url"] = integration.roadmap.base_url
    check.summary["user"] = {"id": me.id, "name": me.name, "email": me.email}
    product = _product(check, client, integration.product)
    check.summary["product"] = {
        "id": product.id,
        "reference_prefix": product.reference_prefix,
        "name": product.name,
    }
    workflows = _step(check, "read the product's workflows", lambda: client.workflows(product.id))
    _check_statuses(check, integration, workflows)
    if integration.roadmap.integration_ref:
        _check_integration(check, client, product, integration.roadmap.integration_ref)


def _product(check: RoadmapCheck, client: AhaClient, prefix: str) -> AhaProduct:
    try:
        return client.product(prefix)
    except (AhaNotFound, AhaForbidden):
        check.problem(
            "roadmap_product_not_found",
            f"Aha! has no product '{prefix}', or the API key's user cannot see it.",
            "Set the integration's product to the Aha! product's reference prefix (the part before the number "
            "in its feature references, such as PROD in PROD-12), or give the key's user access to it.",
            product=prefix,
        )
        raise _Stop from None
    except AhaError as error:
        _failure(check, error, f"read the product '{prefix}'")
        raise _Stop from None


def _check_statuses(check: RoadmapCheck, integration: StoredIntegration, workflows: ProductWorkflows) -> None:
    mapped = list(dict.fromkeys(integration.mapping.statuses.values()))
    for record_type, severity in (("Feature", "error"), ("Requirement", "warning")):
        names = workflows.status_names(record_type)
        check.summary[f"{record_type.lower()}_statuses"] = names
        if record_type == "Requirement" and not workflows.has(record_type):
            continue  # a product whose answer lists no requirement workflow: nothing to compare with
        known = {name.casefold() for name in names}
        unknown = [status for status in mapped if status.casefold() not in known]
        if not unknown:
            continue
        listed = ", ".join(names) or "none"
        check.problem(
            "roadmap_status_unknown",
            f"mapping.statuses names roadmap statuses that the product's {record_type.lower()} workflow does "
            f"not have: {', '.join(unknown)}.",
            f"Map the Jira statuses to statuses of the {record_type.lower()} workflow ({listed}), or add the "
            "statuses to the workflow in Aha!.",
            severity=severity,
            statuses=unknown,
            workflow=record_type.lower(),
        )


def _check_integration(check: RoadmapCheck, client: AhaClient, product: AhaProduct, ref: str) -> None:
    try:
        found = client.product_integration(product.id, ref)
    except AhaNotFound:
        try:
            available = client.product_integrations(product.id)
        except AhaError:
            available = []
        listed = ", ".join(f"{item.id} ({item.name or item.service_name})" for item in available) or "none"
        check.problem(
            "roadmap_integration_not_found",
            f"The product {product.reference_prefix} has no Aha! integration '{ref}'.",
            f"Set roadmap.integration_ref to the id of the product's Jira integration in Aha! (the product's "
            f"integrations: {listed}), or leave it out.",
            roadmap_key="roadmap.integration_ref",
            integration_ref=ref,
        )
        return
    except AhaError as error:
        _failure(check, error, f"read the integration '{ref}'")
        return
    check.summary["integration"] = {"id": found.id, "name": found.name, "service_name": found.service_name}


# --- webhook ------------------------------------------------------------------------------------------------


def _check_webhook(check: RoadmapCheck, integration: StoredIntegration, secret_store: SecretStore) -> None:
    ping = {
        "id": f"ping-{uuid.uuid4()}",
        "type": "ping",
        "occurred_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "integration_id": integration.integration_id,
        "reference": None,
        "kind": None,
        "data": {"message": "Test connection: the integration can deliver roadmap events here."},
    }
    try:
        webhook = roadmap_webhook_for(integration, secret_store)
        check.calls = 1
        delivered = webhook.deliver(str(ping["id"]), ping)
    except WebhookDeliveryFailed as error:
        code: ProblemCode = (
            "roadmap_auth_failed" if error.code == "roadmap_auth_failed" else "roadmap_unreachable"
        )
        hint = error.hint
        if error.transient and code == "roadmap_unreachable":
            hint = "Check roadmap.url and that the receiver is up and reachable from AWS, then test the connection again."
        check.problem(
            code,
            f"The roadmap webhook's test event was not delivered: {error.message}",
            hint,
            roadmap_key="roadmap.url",
            status=error.status,
        )
        return
    check.summary["ping"] = {"event_id": delivered.event_id, "status": delivered.status}
