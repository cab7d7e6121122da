"""Reading features back: what the roadmap sent and what Jira did to each record."""
