"""Reaching an integration's Jira site: its client, and the test-connection use case."""
