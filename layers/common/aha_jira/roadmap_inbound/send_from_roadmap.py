"""`POST /integrations/{id}/features/{reference}/send` with no body (or `{}`) on an Aha! integration: the
feature and its requirements are read from Aha! (`fetch.py`), then sent like a feature posted in the body.

Checked before Aha! is called: the integration exists (404), its roadmap is Aha! (otherwise the body is
required: the same 400 as before), it is enabled and tested (409). Reading from Aha! is bounded for an API
answer (no read repeated in the request: a transient failure is answered at once, with its hint); a failure
is logged as the send's (`feature.send`, failed) and answered as `errors.read_failure` says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aha_jira.aha.errors import AhaError
from aha_jira.connection.roadmap_access import aha_client_for
from aha_jira.errors import InvalidRequest
from aha_jira.integration_log import Outcome, record_action
from aha_jira.integrations.query import load_integration
from aha_jira.models.feature import AhaFeature
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.send import SendQueued, SendSynced
from aha_jira.ports import SecretStore
from aha_jira.roadmap_inbound.errors import RoadmapReadFailed, read_failure
from aha_jira.roadmap_inbound.fetch import fetch_feature
from aha_jira.sync.send import SendServices, ready_snapshot, send_feature

if TYPE_CHECKING:
    from aha_jira.jira.rate_budget import SiteBudgets


def send_from_roadmap(
    integration_id: str,
    reference: str,
    services: SendServices,
    *,
    deadline: float | None = None,
) -> SendSynced | SendQueued:
    integration = load_integration(integration_id, services.integrations)
    if integration.roadmap.type != "aha":
        raise InvalidRequest(
            "feature: Field required",
            hint='Send {"feature": <the Aha! feature>}. Only an integration whose roadmap.type is aha sends '
            "without a body: it reads the feature from Aha!.",
            code="invalid_body",
            details=[{"path": "feature", "message": "Field required"}],
        )
    ready_snapshot(integration, services)  # 409 before anything is asked of Aha!
    feature = read_from_aha(
        integration, reference, services.secret_store, budgets=services.rate_budgets, read_retries=0
    )
    return send_feature(integration_id, reference, feature, services, deadline=deadline)


def read_from_aha(
    integration: StoredIntegration,
    reference: str,
    secret_store: SecretStore,
    *,
    budgets: SiteBudgets | None,
    read_retries: int,
) -> AhaFeature:
    """The feature from the integration's Aha! account; a failure is logged (`feature.send`, failed) and
    raised as `RoadmapReadFailed`."""
    calls = 0
    try:
        client = aha_client_for(integration, secret_store, budgets=budgets, read_retries=read_retries)
        try:
            return fetch_feature(client, reference)
        finally:
            calls = len(client.transport.calls)
    except (AhaError, RoadmapReadFailed) as error:
        failure = error if isinstance(error, RoadmapReadFailed) else read_failure(error, reference)
        record_action(
            "feature.send",
            Outcome.FAILED,
            integration_id=integration.integration_id,
            reference=reference,
            message=failure.message,
            hint=failure.hint,
            error_code=failure.code,
            roadmap_calls=calls,
        )
        raise failure from None
