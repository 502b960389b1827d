"""Two of Python's process-wide settings, changed while an import runs and
put back after (any number of imports in the threads of one process: the
first changes them, the last puts back what was there).

- The cyclic garbage collector looks at its young objects every 700
  allocations; an import allocates millions while it holds a few chunks of
  rows, and a third of its Python time went to collections that found
  almost nothing (2.5 s of 8 s for 200,000 rows). Reference counting still
  frees everything as before; cycles wait a little longer.
- The thread that feeds PostgreSQL (importing.postgres) needs the
  GIL back each time the socket lets it go on: after every result and every
  piece of COPY data. With the default switch interval (5 ms) the other
  threads kept it that long each time while the database waited; with
  0.5 ms the import was 6 % faster (200,000 rows, three pairs of runs).
"""

import gc
import sys
import threading
from contextlib import contextmanager

IMPORT_GC_THRESHOLD = 50_000
IMPORT_SWITCH_INTERVAL = 0.0005

_lock = threading.Lock()
_running = 0
_before = None


@contextmanager
def tuned_for_import():
    global _running, _before
    with _lock:
        if _running == 0:
            _before = gc.get_threshold(), sys.getswitchinterval()
            (first, *older), interval = _before
            gc.set_threshold(max(first, IMPORT_GC_THRESHOLD), *older)
            sys.setswitchinterval(min(interval, IMPORT_SWITCH_INTERVAL))
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                threshold, interval = _before
                gc.set_threshold(*threshold)
                sys.setswitchinterval(interval)
