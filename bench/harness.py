"""One benchmark harness: interleaved rounds, per-round ratios against a reference, load checks.

The machines are shared and noisy (see ../shared/BENCHMARKING.md), so a figure is always the
median of per-round ratios between implementations run in the same process, interleaved
A B A B …, after warm-up, with rounds repeated when other processes used the CPU meanwhile.
"""
from __future__ import annotations

import os
import platform
import resource
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable


def _cpu_jiffies() -> tuple[int, int]:
    """(total, idle) jiffies of the whole machine, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            vals = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return 0, 0
    return sum(vals), vals[3] + vals[4]


def _foreign_load(j0, j1, own_cpu: float, wall: float) -> float:
    """Fraction of the machine's CPU used by other processes during a round."""
    total = j1[0] - j0[0]
    if total <= 0 or wall <= 0:
        return 0.0
    busy = total - (j1[1] - j0[1])
    hz = os.sysconf("SC_CLK_TCK")
    ncpu = os.cpu_count() or 1
    foreign = busy / hz - own_cpu
    return max(0.0, foreign / (wall * ncpu))


@dataclass
class Row:
    name: str
    fn: Callable[[], object]
    reference: bool = False


@dataclass
class Result:
    name: str
    median_s: float
    ratio: float | None
    spread: float | None = None
    load: float = 0.0
    note: str = ""


@dataclass
class Workload:
    """A benchmark: a list of rows timed interleaved; the reference row defines ratio 1.0."""

    title: str
    rows: list[Row] = field(default_factory=list)
    inner: int = 10          # calls per timing sample
    rounds: int = 15         # interleaved rounds per pass
    passes: int = 3          # keep the best pass median
    max_load: float = 0.10   # repeat a round when others used more than this

    def add(self, name: str, fn: Callable[[], object], reference: bool = False) -> None:
        self.rows.append(Row(name, fn, reference))

    def run(self) -> list[Result]:
        for r in self.rows:  # warm-up: imports, first-call compilation, allocator growth
            for _ in range(max(3, self.inner // 2)):
                r.fn()
        best: dict[str, list[float]] = {}
        best_ratio: dict[str, tuple[float, float]] = {}
        loads = []
        ref = next((r for r in self.rows if r.reference), None)
        for _ in range(self.passes):
            times = {r.name: [] for r in self.rows}
            ratios = {r.name: [] for r in self.rows}
            for _ in range(self.rounds):
                for attempt in range(4):
                    j0, c0, w0 = _cpu_jiffies(), time.process_time(), time.perf_counter()
                    sample = {}
                    for r in self.rows:
                        t0 = time.perf_counter()
                        for _ in range(self.inner):
                            r.fn()
                        sample[r.name] = (time.perf_counter() - t0) / self.inner
                    wall = time.perf_counter() - w0
                    load = _foreign_load(j0, _cpu_jiffies(), time.process_time() - c0, wall)
                    if load <= self.max_load or attempt == 3:
                        break
                    time.sleep(0.2)
                loads.append(load)
                for name, s in sample.items():
                    times[name].append(s)
                    if ref is not None:
                        ratios[name].append(s / sample[ref.name])
            for r in self.rows:
                med = statistics.median(times[r.name])
                if r.name not in best or med < statistics.median(best[r.name]):
                    best[r.name] = times[r.name]
                if ref is not None:
                    rmed = statistics.median(ratios[r.name])
                    spread = (max(ratios[r.name]) - min(ratios[r.name]))
                    if r.name not in best_ratio or rmed < best_ratio[r.name][0]:
                        best_ratio[r.name] = (rmed, spread)
        load = statistics.median(loads) if loads else 0.0
        out = []
        for r in self.rows:
            ratio, spread = best_ratio.get(r.name, (None, None))
            out.append(Result(r.name, statistics.median(best[r.name]), ratio, spread, load))
        return out


def format_table(title: str, results: list[Result], ref_name: str | None) -> str:
    lines = [f"### {title}", "",
             f"| implementation | median time | ratio to {ref_name or 'reference'} |",
             "|---|---|---|"]
    for r in results:
        ratio = "–" if r.ratio is None else f"{r.ratio:.2f}×"
        lines.append(f"| {r.name} | {_fmt_time(r.median_s)} | {ratio} |")
    if results:
        lines.append("")
        lines.append(f"foreign CPU load during rounds (median): {results[0].load:.0%}")
    return "\n".join(lines)


def _fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def machine_details() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import numpy as np
    parts = [f"CPU: {cpu}, {os.cpu_count()} cores", f"Python {platform.python_version()}",
             f"NumPy {np.__version__}"]
    try:
        import torch
        parts.append(f"PyTorch {torch.__version__}")
    except ImportError:
        parts.append("PyTorch not installed")
    return "; ".join(parts)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def torch_or_none():
    try:
        import torch
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)))
        return torch
    except ImportError:
        return None
