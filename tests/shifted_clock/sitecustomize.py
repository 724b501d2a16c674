"""``time.sleep`` for CI's shifted-clock pass, in every Python process it starts.

``scripts/test`` runs that pass under libfaketime with ``FAKETIME_DONT_FAKE_MONOTONIC=1``
(with a faked monotonic clock, timed waits on locks never end) and puts this folder on
``PYTHONPATH``. libfaketime 0.9.10 (Debian 12) still moves the absolute monotonic
deadline that ``time.sleep`` hands to ``clock_nanosleep``, which then fails with EINVAL;
``select`` takes a relative timeout and sleeps as asked.
"""
import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], seconds)


time.sleep = _sleep
