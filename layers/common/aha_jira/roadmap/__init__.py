"""The roadmap connector's outbound half (issue 14): the change feed and the delivery of roadmap events.

Events are written by the changes themselves (the outbox, `models/roadmap_event.py`); this package reads them
back: `feed.py` (`GET /integrations/{id}/events`), `delivery.py` (the worker: per record, in order, one
worker at a time, older states superseded, back-off, dead letters), `sweep.py` (lost triggers),
`connectors.py` (Aha! or a signed webhook, chosen per integration), `event_types.py` (per type: whether it
carries a state, and its Aha! call: the one place to extend), `aha_records.py` and `aha_imports.py` (the Aha!
calls).
"""
