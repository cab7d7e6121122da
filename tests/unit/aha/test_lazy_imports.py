"""Cold start: the roadmap clients' modules import `requests` with the first client, not at import time."""

from __future__ import annotations

import subprocess
import sys

MODULES = [
    "aha_jira.aha.client",
    "aha_jira.aha.transport",
    "aha_jira.outbound.roadmap_webhook",
    "aha_jira.connection.roadmap_check",
    "aha_jira.integrations.configure",
]


def test_importing_the_roadmap_modules_does_not_import_requests() -> None:
    code = (
        "import sys\n"
        f"for name in {MODULES!r}:\n"
        "    __import__(name)\n"
        "print(sorted(m for m in sys.modules if m == 'requests' or m.startswith('requests.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_first_client_imports_it() -> None:
    code = (
        "import sys\n"
        "from aha_jira.aha.transport import AhaTransport\n"
        "AhaTransport('https://acme.aha.io', 'key-0123456789')\n"
        "print('requests' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True"
