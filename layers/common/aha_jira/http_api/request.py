"""Facts about the incoming API Gateway request that the use cases need."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from aha_jira.settings import get_settings


def public_base_url(event: APIGatewayProxyEvent) -> str:
    """The base URL clients (and Jira) use to reach this API, for `webhook_url`.

    `PUBLIC_BASE_URL` wins (a custom domain); otherwise the request's own host, with the stage when
    the host is API Gateway's default execute-api domain (custom domains map stages away).
    """
    configured = get_settings().public_base_url
    if configured:
        return configured
    headers = {key.lower(): value for key, value in (event.headers or {}).items()}
    context = event.request_context
    host = headers.get("host") or context.domain_name or "localhost"
    scheme = headers.get("x-forwarded-proto", "https")
    base = f"{scheme}://{host}"
    if host.endswith(".amazonaws.com") and context.stage:
        base += f"/{context.stage}"
    return base
