"""Development tools for aha-jira: the local stack (moto, local API gateway, queue poller),
the Jira simulator and the demo. Never shipped in the Lambda layer."""
