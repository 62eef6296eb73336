"""Command-line interface: ``python -m siting COMMAND``.

Bad input ends with a one-line message on stderr and exit code 2, never a
traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from layers.errors import LayerError
from siting.errors import SitingError

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


def _cmd_layers(args) -> int:
    from layers.catalog import load_catalog

    rows = [info.summary() for info in load_catalog().values()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        where = r["path"] + (f"#{r['layer']}" if "layer" in r else "")
        print(f"{r['id']:<{width}}  {r['role']:<14} {r['kind']:<6} {r['provenance']:<14} "
              f"{r['name_zh']} / {r['name_en']}  [{where}]")
    return 0


class ProgressBar:
    """The run's progress on stderr: stage name, a bar and the time left (tqdm).

    The engine calls it with a fraction 0-1 and a stage message. Silent when
    ``enabled`` is False or the stream is not a terminal (a log file or a pipe
    gets no carriage-return clutter).
    """

    STEPS = 1000

    def __init__(self, stream=None, enabled: bool = True):
        self.stream = stream or sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(enabled and isatty is not None and isatty())
        self._bar = None
        self.last = ""

    def _open(self, message: str):
        from tqdm import tqdm

        self._bar = tqdm(total=self.STEPS, file=self.stream, desc=message, leave=True,
                         dynamic_ncols=True, mininterval=0.2,
                         bar_format="{desc:<28.28} {percentage:3.0f}%|{bar}| "
                                    "{elapsed}<{remaining}")

    def __call__(self, fraction: float, message: str):
        if not self.enabled:
            return
        if self._bar is None:
            self._open(message)
        step = int(round(max(0.0, min(1.0, fraction)) * self.STEPS))
        if message != self.last:
            self._bar.set_description_str(message, refresh=False)
            self.last = message
        # progress never runs backwards on screen (a cached stage may report 1.0 early)
        if step > self._bar.n:
            self._bar.update(step - self._bar.n)
        else:
            self._bar.refresh()

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _parse_layer_overrides(items) -> dict[str, str]:
    overrides = {}
    for item in items or []:
        layer_id, sep, path = item.partition("=")
        if not sep or not layer_id or not path:
            raise SitingError(f"--layer expects ID=PATH, got {item!r} "
                              "(e.g. --layer wind_speed_100m=GWA_100m.tif)",
                              zh=f"--layer 应写作 ID=PATH，当前为 {item!r}"
                                 "（如 --layer wind_speed_100m=GWA_100m.tif）")
        overrides[layer_id.strip()] = path.strip()
    return overrides


def scenario_from_args(args):
    """The scenario of a run: file or preset, then command-line overrides."""
    from siting import scenario as sc

    if args.scenario:
        scenario = sc.load_yaml(args.scenario)
    else:
        scenario = sc.preset(args.preset)
    updates = {}
    if args.tech:
        updates["tech"] = args.tech
    if args.resolution:
        updates["resolution_m"] = args.resolution
    if args.parcel_size:
        updates["parcel_size_km"] = args.parcel_size
    if args.layer:
        updates["layers"] = {**scenario.layers, **_parse_layer_overrides(args.layer)}
    if getattr(args, "rank_by", None):
        updates["shortlist"] = {**scenario.shortlist.model_dump(), "rank_by": args.rank_by}
    if updates:
        scenario = sc.from_dict({**scenario.model_dump(), **updates}, source="(command line)")
    from siting.inputs import check_scenario_paths

    check_scenario_paths(scenario,
                         allowed_dirs=[Path(args.scenario).parent] if args.scenario else [],
                         allowed_files=_parse_layer_overrides(args.layer).values())
    return scenario


def _export_options(args) -> dict:
    """Check --format/--snapshot/--crs/--encoding before the (slow) run starts."""
    from layers import workspace
    from siting.outputs import crs, formats

    options = {"formats": formats.parse_formats(args.format),
               "snapshots": formats.parse_formats(args.snapshot, formats.SNAPSHOT_FORMATS)
               if args.snapshot else (),
               "encoding": formats.check_encoding(args.encoding), "crs": args.crs}
    if args.crs.strip().lower() != crs.AUTO_GK:
        options["crs"] = crs.resolve_crs(args.crs)
    # before the slow part, not after it
    workspace.check_output_folder(args.out, formats.RUN_FILES)
    return options


def write_outputs(result, out_dir, *, keep_existing: bool = False, **options) -> list[Path]:
    """Write a run's outputs (``siting.outputs.write_run``, ``options`` as there) into
    ``out_dir`` as one set: into a staging folder beside it, swapped in when
    complete (``layers.workspace.staged_folder``), so ``out_dir`` holds the
    previous complete set until the new one is complete."""
    from layers import workspace
    from siting import outputs

    with workspace.staged_folder(out_dir, outputs.RUN_FILES,
                                 keep_existing=keep_existing) as stage:
        written = outputs.write_run(result, stage, **options)
    return [Path(out_dir) / p.name for p in written]


def _check_mask_path(path, resolution_m) -> Path:
    if resolution_m is not None and not 10.0 <= resolution_m <= 10_000.0:
        raise SitingError(f"--mask-resolution must be 10-10000 m, got {resolution_m:g}",
                          zh=f"--mask-resolution 须在 10–10000 米之间（当前值：{resolution_m:g}）")
    target = Path(path).expanduser()
    if target.suffix.lower() not in (".tif", ".tiff"):
        raise SitingError(f"--mask writes a Cloud-Optimised GeoTIFF: name it *.tif, got "
                          f"{target.name!r}",
                          zh=f"--mask 输出云优化 GeoTIFF，文件名须以 .tif 结尾（当前为 "
                             f"{target.name!r}）")
    if not target.parent.is_dir():
        raise SitingError(f"--mask: the folder {str(target.parent)!r} does not exist; "
                          "create it first",
                          zh=f"--mask：文件夹 {str(target.parent)!r} 不存在，请先创建")
    return target


def _cmd_run(args) -> int:
    from siting import distributed, pipeline
    from siting.inputs import briefing_boundaries, disclaimer_texts, load_run_inputs, prepared_cache
    from siting.inputs.mask import write_eligibility_mask
    from siting.scoring import resolve_weights

    scenario = scenario_from_args(args)
    options = _export_options(args)
    if args.mask:
        _check_mask_path(args.mask, args.mask_resolution)
    resolve_weights(scenario.weights)  # bad weights fail before the slow part
    bar = ProgressBar(enabled=not args.quiet)
    try:
        with distributed.use(args.dask):  # a bad scheduler address fails before the slow part
            inputs = load_run_inputs(scenario, progress=lambda f, m: bar(0.1 * f, m))
            prepared = prepared_cache.prepare(
                inputs, scenario, folder="off" if args.no_cache else None,
                progress=lambda f, m: bar(0.1 + 0.7 * f, m))
            bar(0.8, "scoring")
            result = pipeline.evaluate(prepared, scenario, provenance=inputs.provenance,
                                       connections=pipeline.connection_points(inputs, scenario))
        bar(0.9, "writing")
        boundaries = briefing_boundaries(scenario, inputs) if options["snapshots"] else {}
        paths = write_outputs(result, args.out, formats=options["formats"],
                              crs=options["crs"], encoding=options["encoding"],
                              snapshots=options["snapshots"], notice=disclaimer_texts(),
                              **boundaries)
        if args.mask:
            bar(0.95, "eligibility mask")
            paths.append(str(write_eligibility_mask(
                args.mask, inputs, scenario, prepared.parcels,
                resolution_m=args.mask_resolution, fraction=args.mask_fraction)))
        bar(1.0, "done")
    finally:
        bar.close()
    s = result.summary
    if not result.weights.consistent:
        print(f"warning: AHP consistency ratio {result.weights.consistency_ratio:.3f} ≥ 0.1: "
              "the pairwise judgements contradict each other; revise the matrix",
              file=sys.stderr)
    print(f"{s['n_parcels']} parcels, {s['n_shortlist']} shortlisted, {s['n_bases']} bases; "
          f"{s['capacity_gw']:.1f} GW, {s['energy_twh']:.1f} TWh/yr = "
          f"{s['share_of_target']:.0%} of the {s['target_gw']:g} GW target")
    from siting.labels import shortfall_text

    if shortfall_text(s, "en"):
        print(f"note: {shortfall_text(s, 'en')}", file=sys.stderr)
    for path in paths:
        print(path)
    return 0


def _cmd_scenario(args) -> int:
    from siting import scenario as sc

    if args.check:
        sc.load_yaml(args.check)
        print(f"{args.check}: valid")
        return 0
    print(sc.dumps(sc.preset(args.preset)), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m siting``."""
    parser = argparse.ArgumentParser(
        prog="python -m siting",
        description="内蒙古新能源基地选址 / Inner Mongolia new-energy base siting")
    sub = parser.add_subparsers(dest="command", required=True)
    p_layers = sub.add_parser("layers", help="list the layers of the catalog")
    p_layers.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p_layers.set_defaults(func=_cmd_layers)

    from siting.outputs import formats
    from siting.outputs.crs import DEFAULT_EXPORT_CRS
    from siting.scenario import PRESETS
    from siting.tech import TECHS

    p_run = sub.add_parser("run", help="score parcels, build the shortlist and bases")
    p_run.add_argument("--tech", choices=TECHS, help="technology (overrides the scenario)")
    p_run.add_argument("--scenario", metavar="FILE", help="scenario YAML")
    p_run.add_argument("--rank-by", choices=("score", "lcoe"),
                       help="rank parcels by score or by LCOE incl. grid connection "
                            "(overrides shortlist.rank_by)")
    p_run.add_argument("--preset", choices=list(PRESETS), default="default",
                       help="start from a preset when no --scenario is given")
    p_run.add_argument("--out", metavar="DIR", default="out", help="output folder (./out)")
    p_run.add_argument("--resolution", type=float, metavar="METRES",
                       help="analysis grid resolution, m (250-10000)")
    p_run.add_argument("--layer", action="append", metavar="ID=PATH",
                       help="use your file for a layer (repeatable): a catalog id replaces "
                            "the bundled layer (e.g. wind_speed_100m=GWA.tif); pvout, "
                            "custom_exclusion and custom_encouragement add a layer; every "
                            "file gets the checks of `python -m siting import`")
    p_run.add_argument("--format", default="gpkg", metavar="LIST",
                       help=f"exports, comma-separated: {','.join(formats.EXPORT_FORMATS)} "
                            f"(gpkg); {formats.PROVENANCE_FILE}, {formats.SUMMARY_FILE} and "
                            f"{formats.SCENARIO_FILE} are always written")
    p_run.add_argument("--snapshot", default="", metavar="LIST",
                       help="briefing snapshots and the offline map, comma-separated: "
                            f"{','.join(formats.SNAPSHOT_FORMATS)} (none)")
    p_run.add_argument("--crs", default=DEFAULT_EXPORT_CRS, metavar="CRS",
                       help="CRS of GeoPackage and Shapefile: EPSG:4490 (CGCS2000, default), "
                            "any EPSG code such as a Gauss-Krüger zone (EPSG:4526), or auto-gk "
                            "(the 3° zone of the shortlist's centre); GeoJSON, CSV and KMZ "
                            "are always WGS84 lon/lat")
    p_run.add_argument("--encoding", default="utf-8", type=str.lower, choices=formats.ENCODINGS,
                       help="Shapefile attribute encoding (utf-8; gbk for older Chinese tools)")
    p_run.add_argument("--parcel-size", type=float, metavar="KM",
                       help="edge of the square (or width of the hexagonal) parcels, km "
                            "(overrides the scenario's parcel_size_km)")
    p_run.add_argument("--dask", metavar="local|tcp://HOST:PORT",
                       help="run the raster blocks and parcel partitions on Dask: 'local' "
                            "starts a LocalCluster on this machine, tcp://HOST:PORT uses a "
                            "running `dask scheduler`; results are identical to the default "
                            "single-process run")
    p_run.add_argument("--mask", metavar="FILE.tif",
                       help="also write the eligibility mask as a Cloud-Optimised GeoTIFF in "
                            "the equal-area CRS: 1 eligible, 0 excluded, 255 outside the "
                            "parcels")
    p_run.add_argument("--mask-fraction", action="store_true",
                       help="the mask holds each parcel's eligible share, percent (0-100)")
    p_run.add_argument("--mask-resolution", type=float, metavar="METRES",
                       help="cell size of the mask, m (100)")
    p_run.add_argument("--no-cache", action="store_true",
                       help="recompute the parcel features even when the prepared-parcel "
                            "cache (WORKSPACE/cache/prepared, or $SITING_CACHE_DIR) holds them")
    p_run.add_argument("--quiet", action="store_true",
                       help="no progress bar (also off when stderr is not a terminal)")
    p_run.set_defaults(func=_cmd_run)

    p_sc = sub.add_parser("scenario", help="print the default scenario or check a file")
    p_sc.add_argument("--template", action="store_true",
                      help="print the default scenario as commented YAML")
    p_sc.add_argument("--preset", choices=list(PRESETS), default="default")
    p_sc.add_argument("--check", metavar="FILE", help="validate a scenario file")
    p_sc.set_defaults(func=_cmd_scenario)
    _add_import_parser(sub)
    _add_scenarios_parser(sub, PRESETS)
    return parser


def _add_import_parser(sub) -> None:
    from layers import workspace
    from layers.importer import IMPORT_ROLES, MAX_UPLOAD_BYTES, MAX_UPLOAD_ENV, cmd_import

    roles = ", ".join(IMPORT_ROLES)
    p = sub.add_parser(
        "import", help="check a layer file and store it in the workspace",
        description="Import GeoTIFF, Shapefile (.zip or .shp with sidecars), GeoPackage, "
                    "GeoJSON, KML/KMZ or CSV (lon/lat columns) as a layer of the given role.")
    p.add_argument("path", help="the file to import")
    p.add_argument("--role", required=True, metavar="ROLE", help=f"what the layer is: {roles}")
    p.add_argument("--name", help="display name; the layer id is made from it (default: role)")
    p.add_argument("--crs", help="CRS of the coordinates when the file has none or a wrong one "
                                 "(e.g. EPSG:4490, EPSG:4527)")
    p.add_argument("--encoding", help="attribute text encoding of a Shapefile/CSV (e.g. gbk)")
    p.add_argument("--layer", help="layer of a GeoPackage/KML, or file inside a zip")
    p.add_argument("--workspace", metavar="DIR",
                   help=f"workspace folder (default ${workspace.WORKSPACE_ENV} or "
                        f"{workspace.DEFAULT_WORKSPACE})")
    p.add_argument("--max-upload-mb", type=float, metavar="MB",
                   help=f"largest file accepted, MiB (default {MAX_UPLOAD_BYTES // 1024**2}; "
                        f"${MAX_UPLOAD_ENV})")
    p.add_argument("--replace", action="store_true",
                   help="replace a layer already imported under the same id (role or --name)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_import)


def _add_scenarios_parser(sub, presets) -> None:
    """``scenarios list|save|load|duplicate|delete``: the scenario library."""
    from layers import workspace
    from siting.commands import scenarios as cmd

    p = sub.add_parser("scenarios", help="the scenario library in the workspace",
                       description="Save, list, load, duplicate and delete named "
                                   "scenarios in the workspace.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", metavar="DIR",
                        help=f"workspace folder (default ${workspace.WORKSPACE_ENV} or "
                             f"{workspace.DEFAULT_WORKSPACE})")
    actions = p.add_subparsers(dest="action", required=True)

    p_list = actions.add_parser("list", parents=[common],
                                help="list saved scenarios, newest first")
    p_list.add_argument("--json", action="store_true", help="print JSON")
    p_list.set_defaults(func=_with_store(cmd.list_scenarios))

    p_save = actions.add_parser("save", parents=[common],
                                help="save a scenario file or preset under a name")
    p_save.add_argument("name", help="library name")
    p_save.add_argument("--scenario", metavar="FILE", help="scenario YAML to save")
    p_save.add_argument("--preset", choices=list(presets), default="default",
                        help="preset to save when no --scenario is given")
    p_save.add_argument("--note", help="a note shown in the listing")
    p_save.add_argument("--force", action="store_true", help="overwrite an entry of that name")
    p_save.set_defaults(func=_with_store(cmd.save))

    p_load = actions.add_parser("load", parents=[common],
                                help="print a saved scenario (or write it to --out)")
    p_load.add_argument("name")
    p_load.add_argument("--out", metavar="FILE", help="write the YAML here")
    p_load.set_defaults(func=_with_store(cmd.load, write_text=workspace.atomic_write_text))

    p_dup = actions.add_parser("duplicate", parents=[common],
                               help="copy a saved scenario under a new name")
    p_dup.add_argument("name")
    p_dup.add_argument("new_name")
    p_dup.add_argument("--note", help="note of the copy (default: the original's)")
    p_dup.set_defaults(func=_with_store(cmd.duplicate))

    p_del = actions.add_parser("delete", parents=[common], help="delete a saved scenario")
    p_del.add_argument("name")
    p_del.set_defaults(func=_with_store(cmd.delete))


def _with_store(command, **extra):
    """``command(args, store, **extra)`` as a handler of ``args`` alone: the store of
    the workspace ``--workspace`` names (else ``$SITING_WORKSPACE`` or the default)."""
    def handler(args) -> int:
        from layers.library import ScenarioStore

        return command(args, ScenarioStore(args.workspace), **extra)

    return handler


def _write_log(exc: BaseException, argv) -> str:
    """Write the traceback of an internal error to WORKSPACE/logs (else the system
    temp folder); returns the log's path."""
    import tempfile
    import traceback
    from datetime import datetime

    from layers import workspace

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    text = (f"python -m siting {' '.join(map(str, argv or sys.argv[1:]))[:2000]}\n\n"
            + "".join(traceback.format_exception(exc)))
    for folder in (workspace.workspace_dir() / "logs", Path(tempfile.gettempdir())):
        try:
            path = folder / f"error-{stamp}-{os.getpid()}.log"
            workspace.atomic_write_text(path, text)
            return str(path)
        except OSError:
            continue
    return "(no log: the workspace and the temp folder are not writable)"


def run_command(func, args, argv=None) -> int:
    """THE error handler of every subcommand (run, scenario, import, scenarios, layers).

    ``SitingError`` and ``layers.errors.LayerError`` (bad input; both carry
    ``.zh``) and an operating-system refusal on a user's path
    (permission, missing folder, full disk) end with a one-line message on
    stderr and exit 2. Anything else is a bug: exit 1 with the path of a log
    holding the traceback (``SITING_DEBUG=1`` raises it instead).
    """
    try:
        return func(args)
    except (SitingError, LayerError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    except OSError as exc:  # the user's paths or disk, not the code
        where = f" ({Path(exc.filename).name})" if getattr(exc, "filename", None) else ""
        print(f"error: {exc.strerror or type(exc).__name__}{where}; check the path, its "
              "permissions and the free disk space", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug, not bad input: one line, the traceback in a log
        if os.environ.get("SITING_DEBUG"):
            raise
        log = _write_log(exc, argv)
        print(f"internal error: {type(exc).__name__} (a bug, not your input; the traceback "
              f"is in {log}: please report it with that file)", file=sys.stderr)
        return EXIT_INTERNAL


def main(argv=None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_command(args.func, args, argv)
