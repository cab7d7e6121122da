"""The scheduled reconcile: changes Jira's webhook never delivered, found in Jira and applied through the
webhook's own path (`sweep` is the use case; DESIGN.md "Release sends and Jira's rate limits", "Self-healing")."""
