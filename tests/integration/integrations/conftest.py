"""Fixtures of the configuration API tests."""

from tests.integration.integrations.refusals import call_raw

__all__ = ["call_raw"]
