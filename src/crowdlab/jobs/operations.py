"""Operations left behind: an aggregation whose request ended before it ran, or whose process died
while running it, is picked up again (results are replaced, so a re-run is harmless)."""

from __future__ import annotations

import threading

from crowdlab.services import aggregation_runs
from crowdlab.storage.db import Database

_running: set[str] = set()
_lock = threading.Lock()


def resume_operations(db: Database, *, older_than_seconds: float = 30) -> int:
    """Start a thread for each abandoned aggregation; returns how many were started."""
    started = 0
    for op_id in aggregation_runs.pending(db, older_than_seconds):
        with _lock:
            if op_id in _running:
                continue
            _running.add(op_id)

        def run(op_id: str = op_id) -> None:
            try:
                aggregation_runs.run_operation(db, op_id)
            finally:
                with _lock:
                    _running.discard(op_id)

        threading.Thread(target=run, name=f"crowdlab-op-{op_id[:8]}", daemon=True).start()
        started += 1
    return started
