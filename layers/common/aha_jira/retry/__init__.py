"""Retrying sends that met a transient Jira failure: the SQS retry queue and its worker."""
