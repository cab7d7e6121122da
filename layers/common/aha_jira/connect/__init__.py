"""Jira via Connect: the Atlassian Connect app path (descriptor, lifecycle, context JWTs, webhooks).

Connect reaches end of support in December 2026; this package serves existing installations and nothing
outside it depends on it, except the request signer (`aha_jira.jira.auth.ConnectSigner`) and the
installation lookup in `aha_jira.connection.jira_access`.
"""
