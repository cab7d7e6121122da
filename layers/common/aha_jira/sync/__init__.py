"""The sync engine: drafting issues, sending features exactly once, reconciling with Jira."""
