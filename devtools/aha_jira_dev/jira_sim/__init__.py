"""A Jira simulator: a real HTTP server that behaves like Jira Cloud (REST v3/v2) or Data Center (REST v2)
for every call aha-jira makes. See ``docs`` in each module; the control API is described in
``routes/control.py`` and the seeded accounts and projects in ``state.py``.

    from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
    sim = JiraSimulator(mode="cloud").start()
    client = SimulatorClient(sim.base_url)
"""

from .client import SimulatorClient
from .server import JiraSimulator

__all__ = ["JiraSimulator", "SimulatorClient"]
