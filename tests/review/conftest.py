"""Fixtures for the review tests: the Connect fixtures of tests/integration/connect, reused as they are."""

from tests.integration.connect.conftest import connect_app, installed

__all__ = ["connect_app", "installed"]
