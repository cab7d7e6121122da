"""The Jira admin webhook: authenticate a delivery, deduplicate it, route it to the records it concerns,
and apply it in order, ignoring the echo of our own writes.

One concern per module: `signature` (X-Hub-Signature), `authentication` (webhook token → Jira site, secret),
`deliveries` (the dedupe identifier), `routing` (site → integrations → issue links), `ordering` (which event
is newer), `echo`, `issue_changes` (status, resolution, summary, description, deletion), `time_tracking`
(worklogs → time spent and remaining), `description` (Jira rich text → HTML) and `receive` (the use case).
"""
