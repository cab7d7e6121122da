"""An Aha! simulator: a real HTTP server that behaves like Aha!'s REST API v1 for every call the roadmap
connector makes, fires Aha!'s webhooks when a product manager (or the API) changes something, and injects
faults on demand. See ``README.md``.

    from aha_jira_dev.aha_sim import AhaSimulator, AhaSimulatorClient
    sim = AhaSimulator().start()
    client = AhaSimulatorClient(sim.base_url)
"""

from .client import AhaSimulatorClient
from .pm import ProductManager, SimulatorError
from .server import AhaSimulator

__all__ = ["AhaSimulator", "AhaSimulatorClient", "ProductManager", "SimulatorError"]
