"""The Connect fixtures (the app installed in the simulator's site), for the IAM coverage run's Connect flows."""

from tests.integration.connect.conftest import connect_app, installed

__all__ = ["connect_app", "installed"]
