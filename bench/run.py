"""Run every workload (``python -m bench [w1 w3 …]``) and rewrite bench/RESULTS.md.

Both libraries run with the same number of threads (``--threads``, default 1). Interleaving
PyTorch's OpenMP pool with NumPy's OpenBLAS pool on a 2-core machine makes each steal the other's
cores while it spins down, which distorts ratios in either direction; single-threaded rounds
compare the implementations, not the thread pools.
"""
from __future__ import annotations

import os
import sys


def _threads_from_argv(argv) -> str:
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "1"


THREADS = _threads_from_argv(sys.argv)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = THREADS  # before NumPy (or PyTorch) is first imported

import argparse  # noqa: E402
import datetime  # noqa: E402
import importlib  # noqa: E402

from bench.harness import format_table, machine_details, peak_rss_mb  # noqa: E402

WORKLOADS = ["w1_tiny_ops", "w2_elementwise", "w3_mlp", "w4_lenet", "w5_compile_latency"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("only", nargs="*", help="workload prefixes to run (w1, w3 …); default all")
    p.add_argument("--no-write", action="store_true", help="print only; keep RESULTS.md")
    p.add_argument("--threads", default="1", help="BLAS/OpenMP threads for every library")
    args = p.parse_args(argv)
    tables = []
    for name in WORKLOADS:
        if args.only and not any(name.startswith(o) for o in args.only):
            continue
        try:
            mod = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as e:
            print(f"{name}: skipped ({e})")
            continue
        print(f"running {name} …", flush=True)
        w, ref = mod.workload()
        results = w.run()
        table = format_table(w.title, results, ref)
        print(table, "\n", flush=True)
        tables.append(table)
    if not args.no_write and tables and not args.only:
        path = os.path.join(os.path.dirname(__file__), "RESULTS.md")
        with open(path, "w") as f:
            f.write("# Benchmark results\n\n")
            f.write(f"Measured {datetime.date.today().isoformat()} by `python -m bench`. "
                    f"{machine_details()}; {THREADS} thread(s) for NumPy's BLAS and for "
                    f"PyTorch. Ratios are medians of per-round ratios against the "
                    f"reference measured interleaved in the same process (lower is better); "
                    f"peak RSS {peak_rss_mb():.0f} MB.\n\n")
            f.write("\n\n".join(tables) + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
