#!/usr/bin/env python3
"""BenchExec's RunExecutor in container mode, as issue 16 measured it.

    runexec_container.py overhead N      per-run wall time of N runs of /bin/true in one process
    runexec_container.py cputime CMD...  the CPU time of one run of CMD

Container mode: RunExecutor(use_namespaces=True, dir_modes={"/": read-only, "/tmp": hidden,
"/home": hidden}, network_access=False) (its default overlay mode for / fails on this kernel).
"""
import logging
import os
import statistics
import sys
import tempfile
import time

from benchexec.runexecutor import RunExecutor

logging.disable(logging.WARNING)


def executor():
    return RunExecutor(
        use_namespaces=True,
        dir_modes={"/": "read-only", "/tmp": "hidden", "/home": "hidden"},
        network_access=False,
    )


def main():
    mode = sys.argv[1]
    # /tmp (where the benchmark works) is hidden in the container: run from /.
    os.chdir("/")
    re = executor()
    out = os.path.join(tempfile.mkdtemp(), "output.log")
    if mode == "overhead":
        n = int(sys.argv[2])
        times = []
        for _ in range(n):
            t = time.perf_counter()
            re.execute_run(["/bin/true"], output_filename=out)
            times.append(time.perf_counter() - t)
        print(f"per_run_wall_median={statistics.median(times)}s")
    else:
        r = re.execute_run(sys.argv[2:], output_filename=out)
        print(f"cputime={r['cputime']}s")


if __name__ == "__main__":
    main()
