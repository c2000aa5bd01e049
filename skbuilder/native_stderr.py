"""Keep native libraries' chatter out of the output: torch's profiler (Kineto) writes marker lines
(``USDT:... profiler_start``, ``STAGE:... Completed Stage``) to file descriptor 2 from C++, where
Python's warning filters cannot reach them."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

#: The prefix of Kineto's marker lines: ``USDT:2026-11-25 15:31:01 21836:21836 File.cpp:52] ``.
PROFILER_CHATTER = re.compile(rb"^(USDT|STAGE):\S+ \S+ \d+:\d+ \S+\] ")


@contextmanager
def without_profiler_chatter() -> Iterator[None]:
    """Hold what is written to file descriptor 2 during the block, then pass on every line but
    the profiler's markers (so real errors and warnings still show, after the block)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            for line in held:
                if not PROFILER_CHATTER.match(line):
                    os.write(2, line)
