"""What the Jira and Aha! simulators share: the HTTP server and its lifecycle, the route table's matching,
the webhook deliveries' worker, fault injection and the control client. Each simulator keeps its own API."""
