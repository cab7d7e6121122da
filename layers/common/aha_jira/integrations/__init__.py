"""Use cases of the integration configuration: configure, read, list, remove."""
