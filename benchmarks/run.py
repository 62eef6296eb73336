"""The whole region at 250 m on this machine, timed against baselines measured in the same run
(issue 7).

Usage::

    python benchmarks/run.py            # full region, 250 m grid, 2.5 km parcels (~6 min)
    python benchmarks/run.py --quick    # one league (乌兰察布市), same resolution (< 1 min)
    python benchmarks/run.py --sizes    # the scaling sweep of docs/scaling.md instead (~8 min)
    python benchmarks/run.py --stages-only   # only the in-process stage table, wall + CPU
    python benchmarks/run.py --cli-only [--before /work/main] [--dask-cli]
                                        # baseline + the CLI run(s): ratio and peak (~1-3 min)

Inputs: a Global-Wind-Atlas-like wind layer at 0.0025° (~250 m) over the region's box, made
once from the bundled layer with a fixed seed and cached outside the repository
(``~/.cache/im-siting-bench``, or ``$IM_SITING_BENCH_CACHE``); the run replaces the bundled
wind layer with it, as ``--layer wind_speed_100m=GWA.tif`` would.

Printed, with ratios to the baselines and the targets of shared/perf.md:

- the full CLI run (≤ 20× a blockwise read + sum of the wind layer; peak ≤ 1.5 GB);
- each stage of the same run in process: load layers, parcels, zonal statistics,
  exclusions, distances, scoring, bases, export, with the peak memory of each (on 2+
  cores the zonal statistics run on a thread beside the exclusions and distances: their
  CPU time counts in those stages, and "zonal statistics (wait)" is what is left after);
- with ``--cli-only``: the CLI run(s) only, each with ``RESULT: N× the read, peak MB``,
  its CPU time, and (``--before``) the same run of another checkout;
- zonal statistics of that layer against exactextract raster-sequential (≤ 1.5× time,
  ≤ 1.2× peak);
- re-scoring 300k parcels against ``table @ weights`` (≤ 3×, ≤ 50 ms);
- single process against a Dask LocalCluster (threads, and processes), with a check that
  the parcel tables are identical.

Every measurement runs in its own child process so that each peak memory is its own.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.engine import (  # noqa: E402
    MemorySampler,
    emit,
    machine,
    peak_mb,
    ratio_line,
    rescoring_report,
    run_child,
    zonal_comparison,
)

CACHE = Path(os.environ.get("IM_SITING_BENCH_CACHE", "~/.cache/im-siting-bench")).expanduser()
#: Bump when the generated inputs change, so old caches are not reused.
INPUT_VERSION = 1
SEED = 20240611
#: The region's lon/lat box (the extent of the bundled rasters), degrees.
WEST, NORTH, EAST, SOUTH = 97.0, 53.6, 126.4, 37.2
#: Fine-scale variability added to each generated layer: noise sd, rounding decimals.
NOISE = {"wind_speed_100m": (0.15, 2), "weibull_k": (0.03, 3), "ghi": (8.0, 1)}

#: perf.md targets.
RUN_RATIO = 20.0
RUN_PEAK_MB = 1536.0


@dataclass(frozen=True)
class Size:
    """One benchmark case: analysis resolution, parcel size, area and the user's layers."""

    name: str
    resolution_m: float
    parcel_km: float
    region: tuple[str, ...] = ()  # league names (盟市); empty = the whole region
    user_layers: tuple[str, ...] = ("wind_speed_100m",)
    input_deg: float = 0.0025

    def scenario(self, overrides: dict):
        from siting import scenario as sc

        return sc.from_dict({"tech": "wind", "resolution_m": self.resolution_m,
                             "parcel_size_km": self.parcel_km, "layers": overrides})


FULL = Size("whole region, 250 m grid, 2.5 km parcels", 250, 2.5)
QUICK = Size("乌兰察布市, 250 m grid, 2.5 km parcels", 250, 2.5, region=("乌兰察布市",))
SWEEP = [
    Size("乌兰察布市 (5 % of the area), 250 m, 2.5 km", 250, 2.5, region=("乌兰察布市",)),
    Size("锡林郭勒盟+阿拉善盟 (37 %), 250 m, 2.5 km", 250, 2.5, region=("锡林郭勒盟", "阿拉善盟")),
    Size("whole region, 1000 m, 5 km", 1000, 5),
    Size("whole region, 500 m, 2.5 km", 500, 2.5),
    Size("whole region, 250 m, 5 km", 250, 5),
    FULL,
    Size("whole region, 250 m, 2.5 km, 3 user layers at 250 m", 250, 2.5,
         user_layers=("wind_speed_100m", "weibull_k", "ghi")),
]


# --- inputs -----------------------------------------------------------------------------


def generated_layer(layer_id: str, deg: float = 0.0025, seed: int = SEED) -> Path:
    """A full-region GeoTIFF of ``layer_id`` at ``deg`` degrees, made once and cached.

    Bilinear from the bundled layer plus seeded white noise, rounded like an atlas
    product; nodata (-9999) where the bundled layer has none; deflate, 256 × 256 tiles.
    """
    import numpy as np
    import rasterio
    from affine import Affine
    from rasterio.warp import Resampling, reproject
    from rasterio.windows import Window

    from layers.catalog import load_catalog
    from layers.io import raster_env, read_raster

    path = CACHE / f"v{INPUT_VERSION}" / f"{layer_id}_{deg:g}deg_seed{seed}.tif"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    source = read_raster(load_catalog()[layer_id].path)
    width, height = round((EAST - WEST) / deg), round((NORTH - SOUTH) / deg)
    transform = Affine(deg, 0, WEST, 0, -deg, NORTH)
    sd, decimals = NOISE[layer_id]
    profile = dict(driver="GTiff", width=width, height=height, count=1, dtype="float32",
                   crs="EPSG:4326", transform=transform, nodata=-9999.0, tiled=True,
                   blockxsize=256, blockysize=256, compress="deflate", predictor=3)
    partial = path.with_suffix(".partial.tif")
    with raster_env(), rasterio.open(partial, "w", **profile) as dst:
        for strip, row0 in enumerate(range(0, height, 256)):
            rows = min(256, height - row0)
            values = np.full((rows, width), np.nan, dtype="float32")
            reproject(source.array, values, src_transform=source.transform, src_crs=source.crs,
                      src_nodata=np.nan, dst_transform=transform @ Affine.translation(0, row0),
                      dst_crs="EPSG:4326", dst_nodata=np.nan, resampling=Resampling.bilinear)
            rng = np.random.default_rng([seed, strip])
            values += rng.normal(0.0, sd, values.shape).astype("float32")
            values = np.round(values, decimals)
            dst.write(np.where(np.isfinite(values), values, -9999.0).astype("float32"), 1,
                      window=Window(0, row0, width, rows))
    partial.rename(path)
    return path


def cached_parcels(size: Size) -> Path:
    """The parcels of ``size`` as GeoParquet (made once; they do not depend on rasters)."""
    region = "-".join(size.region) or "region"
    path = CACHE / f"v{INPUT_VERSION}" / f"parcels_{region}_{size.parcel_km:g}km.parquet"
    if not path.exists():
        from siting import pipeline

        inputs = _inputs(size, size.scenario({}))
        parcels = pipeline.make_parcels(inputs, size.scenario({}))
        parcels[["parcel_id", "geometry"]].to_parquet(path)
    return path


def _inputs(size: Size, scenario):
    """The run's inputs (user layers checked as in any run), clipped to the size's region."""
    from siting.inputs import load_run_inputs

    inputs = load_run_inputs(scenario)
    if size.region:
        leagues = inputs.vectors["leagues"]
        inputs.vectors["province"] = leagues[leagues["name_zh"].isin(size.region)]
    return inputs


# --- child jobs -------------------------------------------------------------------------


def job_read_sum(job: dict) -> dict:
    """The baseline: read one layer block by block and sum its valid cells."""
    import rasterio

    from layers.io import raster_env

    start = time.perf_counter()
    total, cells = 0.0, 0
    with raster_env(), rasterio.open(job["raster"]) as src:
        for _, window in src.block_windows(1):
            block = src.read(1, window=window)
            valid = block != src.nodata
            total += float(block[valid].sum(dtype="float64"))
            cells += int(valid.sum())
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "sum": total,
            "cells": cells}


#: Progress messages of ``siting.features.prepare`` that open a stage.
STAGE_OF_MESSAGE = {"resource layers → grid": "zonal statistics", "exclusions": "exclusions",
                    "distances": "distances",
                    # in one process on 2+ cores the zonal statistics run beside the
                    # exclusions and distances (siting.features.OVERLAP_RASTER_STAGE):
                    # this stage is the wait for them after the distances
                    "zonal statistics": "zonal statistics (wait)",
                    "features ready": "scoring"}


def job_pipeline(job: dict) -> dict:
    """The run of ``python -m siting run`` in stages, each timed with its peak memory."""
    import hashlib

    import pandas as pd

    from siting import bases as bases_mod
    from siting import distributed, outputs, pipeline
    from siting import features as feat
    from siting.grid import grid_for_bounds

    size = Size(**{**job["size"], "region": tuple(job["size"]["region"]),
                   "user_layers": tuple(job["size"]["user_layers"])})
    overrides = job["overrides"]
    dask = job.get("dask")
    scenario = size.scenario(overrides)
    warped = {}
    with MemorySampler() as mem, tempfile.TemporaryDirectory() as tmp:
        mem.mark("load layers")
        inputs = _inputs(size, scenario)
        mem.mark("parcels")
        parcels = pipeline.make_parcels(inputs, scenario)
        if dask:
            mem.mark("start Dask cluster")
        with distributed.use("local" if dask else None,
                             **({"processes": dask == "processes"} if dask else {})):
            def on_progress(fraction, message):
                if message in STAGE_OF_MESSAGE:
                    mem.mark(STAGE_OF_MESSAGE[message])

            prepared = feat.prepare(inputs, scenario, parcels, progress=on_progress)
        result = pipeline.evaluate(prepared, scenario, provenance=inputs.provenance,
                                   connections=pipeline.connection_points(inputs, scenario))
        mem.mark("bases (timed again alone)")
        short = result.shortlist
        bases_mod.summarise_bases(short.assign(base_id=bases_mod.assign_bases(
            short, contiguity=scenario.bases.contiguity,
            min_base_gw=scenario.bases.min_capacity_gw)))
        mem.mark("export")
        outputs.write_run(result, Path(tmp) / "out")
    grid = grid_for_bounds(tuple(parcels.total_bounds), size.resolution_m)
    table = prepared.parcels.drop(columns="geometry")
    digest = hashlib.sha256(pd.util.hash_pandas_object(table, index=True).to_numpy()
                            .tobytes()).hexdigest()[:16]
    stages = [list(s) for s in mem.stages if s[0] is not None]
    bases_s = next(s for name, s, _ in mem.stages if name.startswith("bases"))
    cpu = dict(mem.cpu)
    bases_cpu = next(c for name, c in cpu.items() if name.startswith("bases"))
    for stage in stages:  # evaluate() includes the bases: move their share
        if stage[0] == "scoring":
            stage[1] -= bases_s
            cpu["scoring + shortlist"] = cpu.pop("scoring") - bases_cpu
            stage[0] = "scoring + shortlist"
        if stage[0].startswith("bases"):
            cpu["bases"] = cpu.pop(stage[0])
            stage[0] = "bases"
    return {"stages": stages, "cpu": cpu, "peak_mb": max(mem.peak, peak_mb()),
            "n_parcels": len(parcels),
            "grid_cells": grid.width * grid.height, "grid_shape": list(grid.shape),
            "n_shortlist": len(result.shortlist), "n_bases": len(result.bases),
            "digest": digest, "warped": warped}


JOBS = {"read_sum": job_read_sum, "pipeline": job_pipeline}


def child_main(spec: str) -> int:
    from benchmarks import engine

    job = json.loads(spec)
    handler = JOBS.get(job["job"]) or engine.JOBS[job["job"]]
    emit(handler(job))
    return 0


def run_here(job: dict) -> dict:
    return run_child(job, script=Path(__file__))


# --- reports ------------------------------------------------------------------------------


def stage_table(result: dict) -> list[str]:
    cpu = result.get("cpu", {})
    lines = [f"  {'stage':<26}{'s':>8}{'CPU s':>8}{'peak MB':>10}"]
    for name, seconds, peak in result["stages"]:
        lines.append(f"  {name:<26}{seconds:>8.1f}{cpu.get(name, float('nan')):>8.1f}"
                     f"{peak:>10.0f}")
    total = sum(s for _, s, _ in result["stages"])
    lines.append(f"  {'total (in process)':<26}{total:>8.1f}{sum(cpu.values()):>8.1f}"
                 f"{result['peak_mb']:>10.0f}")
    return lines


@dataclass
class Report:
    lines: list = field(default_factory=list)
    data: dict = field(default_factory=dict)

    def add(self, *lines):
        for line in lines:
            print(line, flush=True)
            self.lines.append(line)


def layer_overrides(size: Size) -> dict:
    return {layer: str(generated_layer(layer, size.input_deg)) for layer in size.user_layers}


def cli_runs(size: Size, overrides: dict, baseline: dict, report: Report, *,
             before: str | None = None, dask: bool = False):
    """``python -m siting run`` of the case (and of another checkout, ``before``, and with
    ``--dask local``, ``dask``): wall time against the baseline and peak memory."""
    variants = [("this checkout", None, [])]
    if dask:
        variants.append(("this checkout, --dask local", None, ["--dask", "local"]))
    if before:
        variants.insert(0, (f"before: {before}", Path(before) / "benchmarks" / "run.py", []))
    for label, script, extra in variants:
        with tempfile.TemporaryDirectory() as tmp:
            argv = ["run", "--tech", "wind", "--resolution", f"{size.resolution_m:g}",
                    "--parcel-size", f"{size.parcel_km:g}", "--out", f"{tmp}/out", "--quiet",
                    *extra]
            for layer, path in overrides.items():
                argv += ["--layer", f"{layer}={path}"]
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            run = run_child({"job": "cli", "argv": argv}, script=script or Path(__file__))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            # CPU of the whole child (imports too, all threads): on a shared machine less
            # noisy than wall time
            run["cpu_s"] = (after.ru_utime + after.ru_stime) - (used.ru_utime + used.ru_stime)
            summary = json.loads((Path(tmp) / "out" / "summary.json").read_text("utf-8"))
        report.data.setdefault("cli_runs", []).append({"label": label, **run,
                                                       "summary": summary})
        if script is None and not extra:
            report.data["cli"] = run
        ratio = run["seconds"] / baseline["seconds"]
        report.add("", f"full run ({label}): python -m siting "
                   f"{' '.join(a for a in argv if '/' not in a)}",
                   "  " + ratio_line("wall time vs the baseline", run["seconds"],
                                     baseline["seconds"], RUN_RATIO),
                   f"  peak memory: {run['peak_mb']:.0f} MB (target ≤ {RUN_PEAK_MB:.0f} MB) "
                   f"{'OK' if run['peak_mb'] <= RUN_PEAK_MB else 'MISSED'}",
                   f"  CPU time of the run's process (all threads): {run['cpu_s']:.1f} s",
                   f"  RESULT: {ratio:.1f}× the read (target ≤ {RUN_RATIO:.0f}×), peak "
                   f"{run['peak_mb']:,.0f} MB (target ≤ {RUN_PEAK_MB:,.0f} MB); "
                   f"{summary['n_shortlist']:,} shortlisted, {summary['n_bases']} bases, "
                   f"{summary['capacity_gw']} GW")
    runs = report.data.get("cli_runs", [])
    if len(runs) > 1:
        same = all(r["summary"] == runs[0]["summary"] for r in runs[1:])
        report.add(f"  summary.json of the runs above: {'identical' if same else 'DIFFERENT'}")


def main_run(size: Size, *, cli: bool, dask_variants: tuple, report: Report,
             cli_only: bool = False, before: str | None = None, dask_cli: bool = False):
    overrides = layer_overrides(size)
    wind = overrides["wind_speed_100m"]
    report.add(f"machine: {machine()}", f"case: {size.name}; wind layer {Path(wind).name} "
               f"({os.path.getsize(wind) / 2**20:.0f} MB on disk)", "")
    baseline = run_here({"job": "read_sum", "raster": wind})
    report.add(f"baseline, blockwise read + sum of the wind layer: {baseline['seconds']:.2f} s, "
               f"peak {baseline['peak_mb']:.0f} MB ({baseline['cells'] / 1e6:.0f} M valid cells)")
    report.data["baseline"] = baseline
    if cli:
        cli_runs(size, overrides, baseline, report, before=before, dask=dask_cli)
    if cli_only:
        return
    job = {"job": "pipeline", "size": asdict(size), "overrides": overrides}
    serial = run_here(job)
    report.data["serial"] = serial
    report.add("", f"stages, single process ({serial['n_parcels']:,} parcels, grid "
               f"{serial['grid_shape'][0]:,} × {serial['grid_shape'][1]:,} cells, "
               f"{serial['n_shortlist']:,} shortlisted, {serial['n_bases']} bases):",
               *stage_table(serial))
    report.add("")
    for line in zonal_comparison(cached_parcels(size), wind, size.resolution_m):
        report.add(line)
    report.add("", *rescoring_report())
    if dask_variants:
        report.add("", "single process vs Dask LocalCluster (zonal statistics + exclusions + "
                   "distances):")
        engine_stages = ("zonal statistics", "exclusions", "distances", "zonal statistics (wait)")
        serial_s = sum(s for n, s, _ in serial["stages"] if n in engine_stages)
        report.add(f"  single process:        {serial_s:6.1f} s, peak {serial['peak_mb']:.0f} MB")
        for variant in dask_variants:
            on_dask = run_here({**job, "dask": variant})
            report.data[f"dask_{variant}"] = on_dask
            dask_s = sum(s for n, s, _ in on_dask["stages"] if n in engine_stages)
            start = next((s for n, s, _ in on_dask["stages"] if n.startswith("start")), 0.0)
            same = "identical" if on_dask["digest"] == serial["digest"] else "DIFFERENT"
            label = "1 worker × 2 threads" if variant == "threads" else "2 workers × 1 thread"
            report.add(f"  LocalCluster {label}: {dask_s:6.1f} s (+{start:.1f} s start), "
                       f"peak {on_dask['peak_mb']:.0f} MB (all processes), "
                       f"{serial_s / dask_s:.2f}× speed-up; parcel table {same}")


def sweep(report: Report):
    report.add("", "scaling sweep (single process, in-process stages):",
               f"  {'case':<52}{'cells':>8}{'parcels':>9}{'zonal':>7}{'excl':>7}{'dist':>7}"
               f"{'total':>7}{'peak':>7}")
    rows = []
    for size in SWEEP:
        result = run_here({"job": "pipeline", "size": asdict(size),
                           "overrides": layer_overrides(size)})
        stage = {n: s for n, s, _ in result["stages"]}
        total = sum(stage.values())
        rows.append({"size": asdict(size), **result})
        report.add(f"  {size.name:<52}{result['grid_cells'] / 1e6:>7.1f}M"
                   f"{result['n_parcels']:>9,}{stage['zonal statistics']:>7.1f}"
                   f"{stage['exclusions']:>7.1f}{stage['distances']:>7.1f}{total:>7.1f}"
                   f"{result['peak_mb']:>7.0f}")
    report.data["sweep"] = rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="one league instead of the whole region (under a minute)")
    parser.add_argument("--sizes", action="store_true",
                        help="run the scaling sweep at several sizes instead")
    parser.add_argument("--no-dask", action="store_true", help="skip the LocalCluster runs")
    parser.add_argument("--stages-only", action="store_true",
                        help="only the in-process stage table (wall and CPU time) of the case")
    parser.add_argument("--cli-only", action="store_true",
                        help="only the baseline read and the CLI run(s) of the case (~1-2 min)")
    parser.add_argument("--before", metavar="CHECKOUT",
                        help="with --cli-only: also run the CLI of this checkout (e.g. "
                             "/work/main), in the same run")
    parser.add_argument("--dask-cli", action="store_true",
                        help="with --cli-only: also run the CLI with --dask local")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child)
    # the runs must compute, not find the prepared parcels of an earlier run (children
    # inherit this)
    os.environ["SITING_CACHE_DIR"] = "off"
    report = Report()
    start = time.perf_counter()
    if args.sizes:
        report.add(f"machine: {machine()}")
        sweep(report)
    elif args.stages_only:
        size = QUICK if args.quick else FULL
        result = run_here({"job": "pipeline", "size": asdict(size),
                           "overrides": layer_overrides(size)})
        report.data["serial"] = result
        report.add(f"machine: {machine()}", f"case: {size.name}, {result['n_parcels']:,} parcels",
                   *stage_table(result))
    elif args.cli_only:
        main_run(QUICK if args.quick else FULL, cli=True, dask_variants=(), report=report,
                 cli_only=True, before=args.before, dask_cli=args.dask_cli)
    elif args.quick:
        main_run(QUICK, cli=False, dask_variants=() if args.no_dask else ("threads",),
                 report=report)
    else:
        main_run(FULL, cli=True,
                 dask_variants=() if args.no_dask else ("threads", "processes"),
                 report=report)
    report.add("", f"benchmark wall time {time.perf_counter() - start:.0f} s")
    latest = CACHE / ("latest-sizes.json" if args.sizes else
                      "latest-stages.json" if args.stages_only else
                      "latest-cli.json" if args.cli_only else
                      "latest-quick.json" if args.quick else "latest.json")
    latest.write_text(json.dumps({"machine": machine(), "lines": report.lines, **report.data},
                                 ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"(saved to {latest})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
