"""The peak memory of the calling process, for the benchmark workers (standard library only).

A child process's ``getrusage(RUSAGE_SELF).ru_maxrss`` starts from its parent's peak (Linux carries the high-water
mark over fork and exec), so a small worker started by a large benchmark process would report the parent's
memory. ``VmHWM`` of ``/proc/self/status`` is the process's own high-water mark; elsewhere ``ru_maxrss`` is used.
"""

from __future__ import annotations

import resource


def peak_rss_mb() -> float:
    """The process's own peak resident set size so far, in MB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
