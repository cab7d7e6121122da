"""One webhook URL serves every integration on a Jira site: an event reaches the records linked to its issue,
each handled with its own integration's settings. Records of integrations no longer on the site (removed,
or moved to another site) are left alone, so two integrations never touch each other's records."""

from __future__ import annotations

from dataclasses import dataclass, field

from aha_jira.models.integration import StoredIntegration
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.site import JiraSiteRecord


@dataclass(frozen=True)
class IntegrationContext:
    integration_id: str
    enabled: bool
    statuses: dict[str, str]
    # The integration's own Jira user (test connection's `account_id`: Cloud account id, or Data Center
    # user key or name): the author of our writes, whose events are echoes. None before a test connection.
    account_id: str | None
    # What importing issues created in Jira needs (aha_jira.webhooks.imports).
    product: str = ""
    project_key: str = ""
    project_id: str | None = None  # from the last test connection
    import_enabled: bool = False
    import_issue_types: frozenset[str] = frozenset()  # case-folded names or ids
    requirement_issue_type: str = ""
    link_type: str = ""
    # Where the roadmap events of its records go (`none`: the change feed only).
    roadmap_type: str = "none"
    # `mapping.two_way`: which Jira edits change the roadmap record ("name", "description").
    two_way: frozenset[str] = frozenset()

    @classmethod
    def of(cls, integration: StoredIntegration) -> IntegrationContext:
        jira = (integration.last_test or {}).get("jira") or {}
        account = jira.get("account_id")
        project = jira.get("project") or {}
        return cls(
            integration_id=integration.integration_id,
            enabled=integration.enabled,
            statuses=dict(integration.mapping.statuses),
            account_id=str(account) if account else None,
            product=integration.product,
            project_key=integration.jira.project,
            project_id=str(project["id"]) if isinstance(project, dict) and project.get("id") else None,
            import_enabled=integration.import_settings.enabled,
            import_issue_types=frozenset(name.casefold() for name in integration.import_settings.issue_types),
            requirement_issue_type=integration.mapping.requirement_issue_type,
            link_type=integration.mapping.link_type,
            roadmap_type=integration.roadmap.type,
            two_way=frozenset(integration.mapping.two_way),
        )

    def owns_project(self, key: str | None, project_id: str | None) -> bool:
        if key and key.casefold() == self.project_key.casefold():
            return True
        return bool(project_id and self.project_id and project_id == self.project_id)


@dataclass(frozen=True)
class SiteRouting:
    site: JiraSiteRecord
    integrations: dict[str, IntegrationContext] = field(default_factory=dict)

    def account_ids(self) -> set[str]:
        return {context.account_id for context in self.integrations.values() if context.account_id}

    def routes(self, links: list[IssueLink]) -> list[tuple[IssueLink, IntegrationContext]]:
        """The linked records that belong to an integration of this site, with that integration."""
        routed = []
        for link in links:
            context = self.integrations.get(link.integration_id)
            if context is None or link.integration_id not in self.site.integration_ids:
                continue
            if link.state != "linked" or link.site_url != self.site.site_url:
                continue
            routed.append((link, context))
        return sorted(routed, key=lambda pair: (pair[0].integration_id, pair[0].reference))


def routing_for(site: JiraSiteRecord, integrations: dict[str, StoredIntegration]) -> SiteRouting:
    return SiteRouting(
        site=site,
        integrations={
            integration_id: IntegrationContext.of(integration)
            for integration_id, integration in integrations.items()
            if integration_id in site.integration_ids and integration.jira.base_url == site.site_url
        },
    )
