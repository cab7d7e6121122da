"""Shared fixtures: each concern has its own plugin module under tests/fixtures/.

`make test` runs the suite on several pytest-xdist workers with `--dist loadgroup`: each test goes with
its module as one unit of work (module-scoped fixtures are built once per module). The e2e package runs
after it in one process (the Makefile): xdist does not keep the order within a unit, and the e2e tests share
one `make run` stack that one of them stops before the secrets check reads what all the others captured.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = [
    "tests.fixtures.aws",
    "tests.fixtures.jira",
    "tests.fixtures.aha",
    "tests.fixtures.roadmap",
    "tests.fixtures.gateway",
    "tests.fixtures.api",
]

TESTS = Path(__file__).resolve().parent
# Packages whose tests share a package-scoped fixture that must be set up once: one worker runs them all.
ONE_WORKER_PACKAGES = (TESTS / "e2e",)


def xdist_group(item: pytest.Item) -> str:
    """The unit of work `item` belongs to: its package when listed above, else its module."""
    for package in ONE_WORKER_PACKAGES:
        if package in item.path.parents:
            return package.relative_to(TESTS.parent).as_posix()
    return item.path.relative_to(TESTS.parent).as_posix()


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist turns the marks into the nodes' group suffix
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if getattr(config.option, "dist", "no") != "loadgroup":
        return
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(xdist_group(item)))
