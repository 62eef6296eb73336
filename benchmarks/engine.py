"""Time the siting engine against its baselines, in one run (issue 3).

Usage: ``python benchmarks/engine.py [--tech wind]``. Prints

1. the full default run (``python -m siting run``) on the embedded data;
2. zonal statistics of one layer per parcel against exactextract
   (``strategy="raster-sequential"``) on the same parcels and the same file
   (targets: ≤ 1.5× its time, ≤ 1.2× its peak memory);
3. re-scoring 300k parcels with ``siting.scoring.weighted_score`` against a
   bare ``table @ weights`` (targets: ≤ 3× and ≤ 50 ms).

Every measurement runs in a fresh child process, so each peak memory is its
own. ``benchmarks/run.py`` (the full region at 250 m) reuses these pieces.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: perf.md targets (ratios to a baseline measured in the same run).
ZONAL_TIME_RATIO = 1.5
ZONAL_PEAK_RATIO = 1.2
RESCORE_RATIO = 3.0
RESCORE_MS = 50.0
RESCORE_PARCELS = 300_000
SEED = 20240611


# --- measuring -----------------------------------------------------------------------


def peak_mb() -> float:
    """Peak resident memory of this process so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Resident memory of this process now, MB."""
    import psutil

    return psutil.Process().memory_info().rss / 2**20


class MemorySampler:
    """Samples resident memory (this process and its children) in a thread.

    ``mark(name)`` closes the current stage and starts another; ``stages``
    holds ``(name, seconds, peak MB)`` and ``cpu`` ``{name: CPU seconds of this
    process}`` (all its threads: less sensitive than wall time to other work on a
    shared machine).
    """

    def __init__(self, interval_s: float = 0.02):
        import psutil

        self.process = psutil.Process()
        self.interval_s = interval_s
        self.stages: list[tuple[str, float, float]] = []
        self._name, self._start, self._peak = None, time.perf_counter(), 0.0
        self.cpu: dict[str, float] = {}
        self._cpu_start = time.process_time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss_mb(self) -> float:
        total = self.process.memory_info().rss
        for child in self.process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except Exception:  # noqa: BLE001 - a child that just exited has no memory
                continue
        return total / 2**20

    def _run(self):
        while not self._stop.is_set():
            self._peak = max(self._peak, self.rss_mb())
            time.sleep(self.interval_s)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def mark(self, name: str | None):
        now = time.perf_counter()
        if self._name is not None:
            self._peak = max(self._peak, self.rss_mb())
            self.stages.append((self._name, now - self._start, self._peak))
            self.cpu[self._name] = time.process_time() - self._cpu_start
        self._name, self._start, self._peak = name, now, self.rss_mb()
        self._cpu_start = time.process_time()

    def __exit__(self, *exc):
        self.mark(None)
        self._stop.set()
        self._thread.join()

    @property
    def peak(self) -> float:
        return max([p for _, _, p in self.stages] + [peak_mb()])


def run_child(job: dict, *, script: Path | None = None, timeout: int = 3600) -> dict:
    """Run ``job`` in a fresh Python process and return its JSON result."""
    script = script or Path(__file__)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, str(script), "--child", json.dumps(job)],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"child {job['job']} failed ({done.returncode}):\n"
                       f"{done.stderr[-3000:]}")


def emit(result: dict):
    """Hand a child's result to the parent."""
    print("RESULT " + json.dumps(result), flush=True)


def ratio_line(label: str, value: float, baseline: float, target: float, unit="s") -> str:
    ratio = value / baseline if baseline > 0 else float("inf")
    verdict = "OK" if ratio <= target else f"MISSED by {ratio / target - 1:.0%}"
    return (f"{label}: {value:.2f} {unit} vs {baseline:.2f} {unit} = {ratio:.2f}× "
            f"(target ≤ {target:g}×) {verdict}")


# --- child jobs --------------------------------------------------------------------------


def _read_parcels(path):
    import geopandas as gpd

    return gpd.read_parquet(path)


def job_zonal_ours(job: dict) -> dict:
    """Mean of one raster file per parcel with ``siting.zonal.raster_means``."""
    from layers.io import open_raster
    from siting.grid import grid_for_bounds
    from siting.inputs import open_warper
    from siting.zonal import Layer, raster_means

    parcels = _read_parcels(job["parcels"])
    source = open_raster(job["raster"])
    grid = grid_for_bounds(tuple(parcels.total_bounds), job["resolution_m"])
    before = rss_mb()
    start = time.perf_counter()
    means = raster_means({"v": Layer(source)}, parcels, grid, open_warper=open_warper)["v"]
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": peak_mb(), "before_mb": before,
            "n": len(parcels), "valid": int((means == means).sum()),
            "cells": grid.width * grid.height}


def job_zonal_exactextract(job: dict) -> dict:
    """Mean of one raster file per parcel with exactextract, raster-sequential."""
    import rasterio
    from exactextract import exact_extract

    parcels = _read_parcels(job["parcels"])
    with rasterio.open(job["raster"]) as src:
        crs = src.crs
    parcels = parcels.to_crs(crs)  # exactextract wants the raster's CRS; not timed
    before = rss_mb()
    start = time.perf_counter()
    out = exact_extract(job["raster"], parcels, "mean", strategy="raster-sequential",
                        output="pandas")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": peak_mb(), "before_mb": before, "n": len(out),
            "valid": int(out["mean"].notna().sum())}


def job_cli(job: dict) -> dict:
    """``python -m siting ARGS`` in this process: wall time and peak memory."""
    start = time.perf_counter()
    from siting.cli import main

    code = main(job["argv"])
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "code": code}


def rescoring(n: int = RESCORE_PARCELS, repeats: int = 30) -> dict:
    """Best-of-``repeats`` times of ``weighted_score`` and of ``table @ weights``, ms."""
    import numpy as np

    from siting.scoring import weighted_score

    rng = np.random.default_rng(SEED)
    table = rng.random((n, 5))
    table[rng.random((n, 5)) < 0.01] = np.nan  # a few missing criteria, as in real runs
    weights = np.array([0.45, 0.2, 0.1, 0.1, 0.15])
    bonus = rng.random(n) * 10
    eligible = rng.random(n) > 0.3
    bare = np.nan_to_num(table)  # the baseline multiplies a clean table

    def best(fn):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times) * 1000

    return {"weighted_ms": best(lambda: weighted_score(table, weights, bonus, eligible)),
            "bare_ms": best(lambda: bare @ weights), "n": n}


JOBS = {"zonal_ours": job_zonal_ours, "zonal_exactextract": job_zonal_exactextract,
        "cli": job_cli}


def child_main(spec: str) -> int:
    job = json.loads(spec)
    emit(JOBS[job["job"]](job))
    return 0


# --- reports -----------------------------------------------------------------------------


def zonal_comparison(parcels_path, raster, resolution_m) -> list[str]:
    """Our zonal means vs exactextract on the same parcels and file: report lines."""
    ours = run_child({"job": "zonal_ours", "parcels": str(parcels_path), "raster": str(raster),
                      "resolution_m": resolution_m})
    theirs = run_child({"job": "zonal_exactextract", "parcels": str(parcels_path),
                        "raster": str(raster)})
    return [
        f"zonal statistics, {ours['n']:,} parcels, one layer ({Path(raster).name}; ours on "
        f"the {resolution_m:g} m grid, {ours['cells'] / 1e6:.1f} M cells):",
        "  " + ratio_line("time vs exactextract raster-sequential", ours["seconds"],
                          theirs["seconds"], ZONAL_TIME_RATIO),
        "  " + ratio_line("peak memory", ours["peak_mb"], theirs["peak_mb"], ZONAL_PEAK_RATIO,
                          unit="MB"),
        f"  (memory above the process's size before the call: ours "
        f"{ours['peak_mb'] - ours['before_mb']:.0f} MB, exactextract "
        f"{theirs['peak_mb'] - theirs['before_mb']:.0f} MB)",
    ]


def rescoring_report() -> list[str]:
    r = rescoring()
    ok = r["weighted_ms"] <= RESCORE_MS
    return [f"re-scoring {r['n']:,} parcels:",
            "  " + ratio_line("weighted_score vs bare table @ weights", r["weighted_ms"],
                              r["bare_ms"], RESCORE_RATIO, unit="ms"),
            f"  absolute: {r['weighted_ms']:.1f} ms (target ≤ {RESCORE_MS:g} ms) "
            f"{'OK' if ok else 'MISSED'}"]


def machine() -> str:
    import platform

    import psutil

    load = os.getloadavg()[0]
    busy = " (other work running: figures are noisy)" if load > 0.5 else ""
    return (f"{psutil.cpu_count(logical=True)} cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GB, {platform.machine()}, "
            f"Python {platform.python_version()}; load average {load:.1f} at start{busy}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tech", default="wind", choices=("wind", "solar", "hybrid"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child)

    from layers.catalog import DATA_DIR
    from siting import pipeline
    from siting import scenario as sc
    from siting.inputs import load_run_inputs

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        run = run_child({"job": "cli", "argv": ["run", "--tech", args.tech, "--out",
                                                f"{tmp}/out", "--quiet"]})
        print(f"full default run (python -m siting run --tech {args.tech}, embedded data, "
              f"1 km grid, 5 km parcels, GeoPackage): {run['seconds']:.1f} s, "
              f"peak {run['peak_mb']:.0f} MB")
        scenario = sc.from_dict({"tech": args.tech})
        parcels = pipeline.make_parcels(load_run_inputs(scenario), scenario)
        parcels_path = Path(tmp) / "parcels.parquet"
        parcels[["parcel_id", "geometry"]].to_parquet(parcels_path)
        for line in zonal_comparison(parcels_path, DATA_DIR / "wind_speed_100m.tif",
                                     scenario.resolution_m):
            print(line)
    for line in rescoring_report():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
