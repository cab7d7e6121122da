"""Fixtures of the deploy tests: the template as CloudFormation sees it (translated by samtranslator, which
lives in the SAM virtualenv), and the Connect fixtures for the IAM coverage run's Connect flows."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.connect.conftest import connect_app, installed
from tests.integration.reconcile.conftest import sweep

REPO_ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = REPO_ROOT / ".venv-sam" / "bin" / "python"
TRANSLATE = Path(__file__).with_name("translate_template.py")


@pytest.fixture(scope="session")
def translated() -> dict[str, Any]:
    if not SAM_PYTHON.exists():
        pytest.skip("needs the SAM virtualenv (make sam-venv): samtranslator lives there")
    completed = subprocess.run(
        [str(SAM_PYTHON), str(TRANSLATE), str(REPO_ROOT / "template.yaml")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    document: dict[str, Any] = json.loads(completed.stdout)
    return document


__all__ = ["connect_app", "installed", "sweep", "translated"]
