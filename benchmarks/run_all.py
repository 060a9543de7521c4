"""`make bench`: run every benchmark, one at a time, and print what each measured.

Each runs as ``python -m benchmarks.<name>`` with its own defaults (the sizes benchmarks/RESULTS.md
records), so its figures compare with the recorded ones; ``--only`` picks some, ``--quick`` passes the
small sizes where a benchmark has them, to try the suite. Run on a quiet machine: the figures are
throughputs and peaks, and other processes change them. Exits non-zero when a benchmark fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name -> extra arguments of its --quick run (None: it has no smaller size)
BENCHMARKS: dict[str, list[str] | None] = {
    "simulator_throughput": ["--traces", "5000", "--rounds", "1"],
    "sync_throughput": ["--traces", "5000"],
    "memory_scale": ["--traces", "5000"],
    "noop_run": ["--traces", "5000"],
    "plan_rate_limit": ["--traces", "5000"],
    "export_throughput": ["--quick"],
    "marts_build": ["--observations", "40000", "--no-postgres"],
    "concurrency": ["--traces", "1000"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these")
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the suite runs, not the targets")
    args = parser.parse_args()
    failed = []
    load = os.getloadavg()[0]
    noisy = "  (not quiet: figures will be low)" if load > 1.5 else ""
    print(f"load average {load:.2f} on {os.cpu_count()} cores{noisy}")
    for name in args.only or BENCHMARKS:
        command = [sys.executable, "-m", f"benchmarks.{name}", *((BENCHMARKS[name] or []) if args.quick else [])]
        print(f"\n== {' '.join(command[1:])}", flush=True)
        started = time.monotonic()
        if subprocess.run(command, cwd=ROOT).returncode != 0:
            failed.append(name)
        print(f"({time.monotonic() - started:.0f} s)", flush=True)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
