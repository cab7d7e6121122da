"""The retry worker's use cases: a send that met a transient Jira failure, run again (`worker.py`), and which
use case a queue message runs (`jobs.py`). The queue itself is an adapter: `storage/retry_queue.py`."""
