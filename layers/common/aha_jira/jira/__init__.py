"""The Jira client: transport, auth signers, rich text, errors and rate limits."""
