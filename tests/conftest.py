"""Shared fixtures: each concern has its own plugin module under tests/fixtures/."""

pytest_plugins = [
    "tests.fixtures.aws",
    "tests.fixtures.jira",
    "tests.fixtures.aha",
    "tests.fixtures.roadmap",
    "tests.fixtures.gateway",
    "tests.fixtures.api",
]
