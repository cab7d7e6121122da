"""Connect webhooks (`POST /connect/webhooks/{event}`): the `Authorization: JWT` header is verified
(HS256 with the installation's shared secret, `iss` = an installed clientKey, `qsh` of this request,
current), then the delivery goes through exactly the admin webhook's handling (`handle_delivery`: dedupe,
order, echo, routing) for the installation's Jira site.

An installation speaks only for the integrations that chose it: those of its site whose `jira.auth` is
Connect with its clientKey. The records of any other integration (an API-token one on the same site, which
has its own admin webhook) are out of its reach."""

from __future__ import annotations

from dataclasses import dataclass

from aha_jira.connect.request import ConnectRequest
from aha_jira.connect.verification import SharedSecrets, verify_site_jwt
from aha_jira.models.jira_webhook import WebhookAnswer
from aha_jira.models.site import JiraSiteRecord
from aha_jira.ports import InstallationStore, SiteReader
from aha_jira.webhooks.receive import WebhookServices, handle_delivery
from aha_jira.webhooks.routing import routing_for


@dataclass(frozen=True)
class ConnectWebhookServices:
    installations: InstallationStore
    shared_secrets: SharedSecrets
    sites: SiteReader
    webhooks: WebhookServices


def receive_connect_webhook(request: ConnectRequest, services: ConnectWebhookServices) -> WebhookAnswer:
    installation = verify_site_jwt(
        request, services.installations, services.shared_secrets, accepted_qsh={request.qsh}
    )
    site, integrations = services.sites.get_site_with_integrations(installation.base_url, [])
    if site is None:
        # No integration uses this site yet: the delivery is still recorded (and answered "ignored").
        site = JiraSiteRecord(site_url=installation.base_url, webhook_token="", integration_ids=[])
    own = {
        integration_id: integration
        for integration_id, integration in integrations.items()
        if integration.jira.auth.type == "connect"
        and integration.jira.auth.client_key == installation.client_key
    }
    return handle_delivery(
        routing_for(site, own),
        request.headers,
        request.body,
        services.webhooks,
        public_base_url=request.base_url or None,
    )
