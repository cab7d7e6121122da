"""Release sends (DESIGN.md "Release sends and Jira's rate limits"): a whole release sent through the release
queue, one message per feature, each feature sent by the send use case (`sync/send.py`) with its guarantees.

`start.py` (the API's `POST .../releases/{ref}/send`: checked, stored, fanned out), `plan.py` (its dry run:
what the send would do, from the stored links, hashes and create metadata, writing nothing), `progress.py`
(`GET` and `DELETE .../release-sends/{id}`), `worker.py` (the release worker: one queue message),
`services.py` (the ports they take, the checks they share)."""
