"""HTTP to addresses users configure (a Jira site, an Aha! account, a roadmap webhook): the SSRF guard every
client passes through, `Retry-After`, the clients' common error base, and the signed roadmap webhook. Below
the adapters: it imports none."""
