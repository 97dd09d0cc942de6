"""Loaded (through PYTHONPATH) by every Python process that ``make test-at`` starts under
Debian's faketime, which moves only the wall clock there (``--exclude-monotonic``: with the
monotonic clock moved too, every timed wait, ``threading.Timer`` included, waits a year).

libfaketime 0.9.10 then fails ``clock_nanosleep`` on an absolute monotonic deadline with
EINVAL, and that is how ``time.sleep`` sleeps: sleep on a timed wait instead, which the
real monotonic clock ends."""

import os
import threading
import time

if "FAKETIME" in os.environ:

    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        threading.Event().wait(seconds)

    time.sleep = _sleep
