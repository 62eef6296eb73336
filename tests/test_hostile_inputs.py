"""Hostile inputs beyond layer files (issue 14), one class per section: each is
refused with exit 2 (CLI) or a SitingError (app/API), a short message, in
bounded time and memory, with nothing written and nothing lost.

Layer-file corpora live in test_import_hostile.py; this file covers scenario
YAML, raster headers, injection into outputs, sizes and names, atomic outputs,
the library, exit codes and paths.
"""
from __future__ import annotations

import re
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
import rasterio
from affine import Affine

from layers import importer
from layers.errors import UnsafeFileError
from siting import scenario as sc
from siting.cli import main
from siting.errors import SitingError

REPO = Path(__file__).resolve().parents[1]
#: Seconds and Python-heap bytes a refusal may take (the issue: "within a second").
REFUSE_SECONDS = 1.0
REFUSE_PEAK_BYTES = 50 * 1024**2


def bounded(call):
    """Run ``call``; return (exception or result, seconds, peak traced bytes)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        outcome = call()
    except Exception as exc:  # noqa: BLE001 - the caller asserts on the type
        outcome = exc
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return outcome, seconds, peak


def cli_limited(*args, cwd=None, address_space_mb: int = 1536, env=None, timeout=60):
    """``python -m siting ARGS`` in a child whose address space is capped: a file
    that made it allocate gigabytes would die instead of passing."""
    def cap():
        limit = address_space_mb * 1024**2
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run([sys.executable, "-m", "siting", *args], cwd=cwd or REPO,
                          preexec_fn=cap, capture_output=True, text=True, timeout=timeout,
                          env=env)


# --- 1. scenario YAML -----------------------------------------------------------------
def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


YAML_CASES = {
    "alias_bomb": (_billion_laughs(), r"YAML anchor \(&a\).*aliases and anchors are not allowed"),
    "bare_alias": ("name: *x\n", r"not valid YAML|alias"),
    "merge_key": ("a: &x {tech: wind}\n<<: *x\n", r"anchor"),
    "deep_flow": ("name: " + "[" * 200_000 + "]" * 200_000,
                  r"nested deeper than 20 levels"),
    "deep_block": ("a:\n" + "".join(" " * (i + 1) + "b:\n" for i in range(300)),
                   r"nested deeper than 20 levels"),
    "too_big": ("# " + "x" * (2 * 1024**2), r"larger than the limit of 1,024 kB"),
    "name_5mb": ("name: " + "x" * 5 * 1024**2, r"larger than the limit"),
    "name_300": ("name: " + "n" * 300, r"name is 300 characters long, more than 200"),
    "name_control": ('name: "a\\x07\\x1b[31mb"', r"name holds control characters"),
    "name_newline": ('name: "a\\nb"', r"name holds control characters or line breaks"),
    "long_key": ("k" * 300 + ": 1\n", r"a key under '\(top\)' is 300 characters long"),
    "long_value": ("tech: " + "w" * 10_000, r"holds a value of 10,000 characters"),
    "many_values": ("[" + ",".join(["1"] * 100_000) + "]", r"more than 20,000 values"),
    "broken": ("name: [unclosed\n" + "y" * 3000, r"not valid YAML"),
    "not_mapping": ("- 1\n- 2\n", r"expected a mapping of fields, got list"),
    "python_tag": ("name: !!python/object/apply:os.system ['echo hi']",
                   r"not valid YAML"),
}


@pytest.mark.parametrize("case", list(YAML_CASES))
def test_hostile_yaml_is_refused_fast_small_and_short(case):
    text, pattern = YAML_CASES[case]
    outcome, seconds, peak = bounded(lambda: sc.loads(text, source="(pasted)"))
    assert isinstance(outcome, SitingError), outcome
    message = str(outcome)
    assert re.search(pattern, message), message
    assert len(message) < 400, message
    assert seconds < REFUSE_SECONDS, seconds
    assert peak < REFUSE_PEAK_BYTES + 12 * len(text), peak


@pytest.mark.parametrize("case", ["alias_bomb", "deep_flow", "name_5mb", "name_control"])
def test_cli_refuses_hostile_scenario_with_exit_2_and_writes_nothing(case, tmp_path, capsys):
    text, pattern = YAML_CASES[case]
    path = tmp_path / "evil.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    start = time.perf_counter()
    assert main(["run", "--scenario", str(path), "--out", str(out), "--quiet"]) == 2
    assert main(["scenario", "--check", str(path)]) == 2
    assert time.perf_counter() - start < 2 * REFUSE_SECONDS
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert len(err) < 1000
    assert not out.exists()


def test_alias_bomb_in_a_child_process_exits_2_under_a_memory_cap(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(_billion_laughs(), encoding="utf-8")
    done = cli_limited("scenario", "--check", str(path), address_space_mb=1024)
    assert done.returncode == 2, done.stderr
    assert "aliases and anchors are not allowed" in done.stderr


def test_scenario_file_that_never_ends_is_read_to_the_limit_only(capsys):
    assert main(["scenario", "--check", "/dev/zero"]) == 2
    assert "larger than the limit" in capsys.readouterr().err


def test_messages_name_the_file_not_its_folder(tmp_path):
    folder = tmp_path / "secret-server-folder"
    folder.mkdir()
    path = folder / "s.yaml"
    path.write_text("tech: nuclear\n", encoding="utf-8")
    with pytest.raises(SitingError) as caught:
        sc.load_yaml(path)
    assert "secret-server-folder" not in str(caught.value)


def test_a_valid_scenario_still_loads():
    assert sc.loads(sc.dumps(sc.preset("desert_gobi"))).name == sc.preset("desert_gobi").name


# --- 2. raster headers --------------------------------------------------------------------
def _sparse_tif(path: Path, width: int, height: int, **extra) -> Path:
    """A GeoTIFF whose header declares width × height but holds no data (a few hundred bytes)."""
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1,
                       dtype="float32", crs="EPSG:4326",
                       transform=Affine(30 / width, 0, 97, 0, -17 / height, 54),
                       sparse_ok=True, **extra):
        pass
    return path


@pytest.mark.parametrize(("shape", "extra", "pattern"), [
    ((590_000_000, 1), {}, r"a side longer than the limit of 4,000,000 cells"),
    ((1, 5_000_000), {}, r"a side longer than the limit"),
    ((30_000, 30_000), {}, r"more than the limit of 600,000,000"),
    ((20_000, 20_000), {"tiled": True, "blockxsize": 16384, "blockysize": 16384},
     r"blocks of 16384 × 16384 .* more than the limit"),
])
def test_raster_header_limits_refuse_before_reading(tmp_path, shape, extra, pattern, monkeypatch):
    monkeypatch.setenv("SITING_WORKSPACE", str(tmp_path / "ws"))
    path = _sparse_tif(tmp_path / "huge.tif", *shape, **extra)
    assert path.stat().st_size < 5 * 1024**2
    outcome, seconds, _ = bounded(lambda: importer.check_layer_file(path, "wind_speed_100m"))
    assert isinstance(outcome, UnsafeFileError), outcome
    assert re.search(pattern, str(outcome)), outcome
    assert seconds < REFUSE_SECONDS
    with pytest.raises(UnsafeFileError, match=pattern):
        importer.import_file(path, "wind_speed_100m", workspace_dir=tmp_path / "ws")
    assert not (tmp_path / "ws").exists()


def test_wide_raster_via_layer_and_import_exits_2_under_a_memory_cap(tmp_path):
    path = _sparse_tif(tmp_path / "wide.tif", 590_000_000, 1)
    out = tmp_path / "out"
    done = cli_limited("run", "--quiet", "--layer", f"wind_speed_100m={path}", "--out", str(out))
    assert done.returncode == 2, done.stderr
    assert "a side longer than the limit" in done.stderr
    assert not out.exists()
    done = cli_limited("import", str(path), "--role", "wind_speed_100m", "--workspace",
                       str(tmp_path / "ws"))
    assert done.returncode == 2, done.stderr
    assert not (tmp_path / "ws").exists()


def test_long_upload_name_is_refused_without_showing_a_server_path(tmp_path):
    with pytest.raises(UnsafeFileError) as caught:
        importer.import_file(b"II*\x00", "wind_speed_100m", filename="a" * 5000 + ".tif",
                             workspace_dir=tmp_path / "ws")
    message = str(caught.value)
    assert "longer than 200 characters" in message and len(message) < 300
    assert "/tmp" not in message and "im-siting" not in message


# --- 3. no injection through names -------------------------------------------------------
HOSTILE_NAME = "$\\frac{1}{$ <img src=http://evil.example/x.png> =cmd|'/C calc'!A0"
HOSTILE_LEAGUE = "=HYPERLINK(\"http://evil.example\",\"x\")\x07\x1b<b>"


def _hostile_result():
    from siting.bases import summarise_bases
    from tests.test_export import make_result

    result = make_result()
    result.scenario = sc.Scenario.model_construct(**{**dict(result.scenario), "name":
                                                     HOSTILE_NAME})
    for frame in (result.shortlist, result.parcels):
        frame["league"] = frame["league"].astype(object)
        frame.loc[frame.index[:2], "league"] = HOSTILE_LEAGUE
        frame.loc[frame.index[:1], "banner"] = "@SUM(A1:A9)"
        frame.loc[frame.index[1:2], "banner"] = "-2+3"
    result.bases = summarise_bases(result.shortlist)
    return result


def test_csv_text_cells_that_start_a_formula_are_neutralised_numbers_are_not():
    import io

    import pandas as pd

    from siting.outputs.tables import csv_bytes

    table = pd.read_csv(io.BytesIO(csv_bytes(_hostile_result())), encoding="utf-8-sig")
    for column in table.columns:
        if table[column].dtype == object:
            assert not table[column].dropna().astype(str).str.match(r"[=+\-@\t\r]").any(), column
    assert table["league"].iloc[0].startswith("'=HYPERLINK")
    assert set(table["banner"].iloc[:2]) == {"'@SUM(A1:A9)", "'-2+3"}
    assert pd.api.types.is_numeric_dtype(table["score"]) and pd.api.types.is_numeric_dtype(
        table["cap_mw"])


def test_kml_is_valid_xml_without_control_characters_or_raw_html():
    import zipfile
    from xml.etree import ElementTree as ET

    from siting.outputs.kmz import kmz_bytes

    data = kmz_bytes(_hostile_result())
    with zipfile.ZipFile(io_bytes(data)) as zf:
        kml = zf.read("doc.kml").decode("utf-8")
    ET.fromstring(kml.encode("utf-8"))  # parses: valid XML
    assert "\x07" not in kml and "\x1b" not in kml
    assert "<img" not in kml and "<b>" not in kml  # only as &lt;…&gt; text


def io_bytes(data: bytes):
    import io

    return io.BytesIO(data)


def test_briefing_draws_mathtext_and_html_literally():
    from matplotlib.text import Text

    from siting.outputs import briefing
    from tests.test_export import boundaries

    result = _hostile_result()
    fig = briefing.figure(result, **boundaries())
    texts = fig.findobj(Text)
    assert all(not t.get_parse_math() for t in texts)
    assert any(HOSTILE_NAME in t.get_text() for t in texts)
    out = briefing.render_all(result, ("png", "pptx"), **boundaries())
    assert out["png"].startswith(b"\x89PNG") and out["pptx"].startswith(b"PK")


# --- 5. atomic outputs ----------------------------------------------------------------------
def test_a_failing_run_leaves_the_previous_set_whole(tmp_path, monkeypatch):
    from siting.cli import write_outputs
    from siting.outputs import run
    from tests.test_export import make_result

    out = tmp_path / "out"
    first = write_outputs(make_result(), out, formats=("csv", "geojson"))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {p.name for p in first} <= set(before)

    def crash(*args, **kwargs):
        raise RuntimeError("killed half-way")

    monkeypatch.setattr(run, "write_summary", crash)
    with pytest.raises(RuntimeError):
        write_outputs(make_result(), out, formats=("csv", "kmz"))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging left


def test_a_new_set_replaces_the_old_one_entirely(tmp_path):
    from siting.cli import write_outputs
    from tests.test_export import make_result

    out = tmp_path / "out"
    write_outputs(make_result(), out, formats=("csv", "geojson"))
    write_outputs(make_result(), out, formats=("kmz",))
    assert sorted(p.name for p in out.iterdir()) == [
        "provenance.txt", "scenario.yaml", "shortlist.kmz", "summary.json", "supply_curve.csv"]


def test_leftovers_of_a_killed_run_are_cleaned_or_restored_at_the_next_start(tmp_path):
    from layers import workspace
    from siting.cli import write_outputs
    from siting.outputs import RUN_FILES
    from tests.test_export import make_result

    out = tmp_path / "out"
    write_outputs(make_result(), out, formats=("csv",))
    dead_pid = 2**22 + 12345  # above pid_max's default: no such process
    stale = tmp_path / f".out{workspace.STAGING_TAG}{dead_pid}-ab"
    stale.mkdir()
    (stale / "shortlist.csv").write_text("half")
    (out / ".shortlist-x1.csv").write_text("half a temp file")
    # killed between the two renames: the previous set is aside and out is gone
    previous = tmp_path / f".out{workspace.PREVIOUS_TAG}{dead_pid}-cd"
    out.rename(previous)
    workspace.clean_stale_outputs(out, RUN_FILES)
    assert out.is_dir() and not previous.exists() and not stale.exists()
    assert not list(out.glob(".*"))
    assert (out / "shortlist.csv").stat().st_size > 100


def test_a_run_never_writes_into_a_folder_of_other_files(tmp_path, capsys):
    from layers import workspace
    from layers.errors import LayerError
    from siting.outputs import RUN_FILES

    (tmp_path / "thesis.docx").write_text("precious")
    with pytest.raises(LayerError, match=r"holds other files \(thesis\.docx\)"):
        workspace.check_output_folder(tmp_path, RUN_FILES)
    assert main(["run", "--quiet", "--out", str(tmp_path)]) == 2
    assert "holds other files" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.docx"]


# --- 6. library -----------------------------------------------------------------------------
def test_a_damaged_library_file_is_listed_with_its_reason_and_hides_nothing(tmp_path, capsys):
    from layers.library import ScenarioStore
    from siting import library

    ws = tmp_path / "ws"
    library.save(sc.preset("default"), "good one", store=ScenarioStore(ws))
    folder = ws / "scenarios"
    (folder / "broken_header.yaml").write_text('# library: {"name": \n', encoding="utf-8")
    (folder / "bomb.yaml").write_text('# library: {"name": "bomb"}\n' + _billion_laughs(),
                                      encoding="utf-8")
    entries = library.list_scenarios(ScenarioStore(ws))
    assert [e.name for e in entries if not e.damaged] == ["good one"]
    damaged = {e.path.name: e.damaged for e in entries if e.damaged}
    assert "header is damaged" in damaged["broken_header.yaml"]
    assert "aliases and anchors are not allowed" in damaged["bomb.yaml"]
    assert main(["scenarios", "list", "--workspace", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "good one" in out and "DAMAGED  bomb.yaml" in out
    assert main(["scenarios", "load", "bomb", "--workspace", str(ws)]) == 2


def test_reimport_of_an_existing_role_needs_replace_and_keeps_the_old_layer(tmp_path, capsys):
    import geopandas as gpd
    from shapely.geometry import box

    ws = tmp_path / "ws"
    path = tmp_path / "red.geojson"
    gpd.GeoDataFrame({"n": [1]}, geometry=[box(111, 41, 112, 42)],
                     crs="EPSG:4326").to_file(path)
    assert main(["import", str(path), "--role", "redline", "--workspace", str(ws)]) == 0
    stored = ws / "layers" / "redline.gpkg"
    before = stored.read_bytes()
    assert main(["import", str(path), "--role", "redline", "--workspace", str(ws)]) == 2
    assert "already imported" in capsys.readouterr().err and stored.read_bytes() == before
    assert main(["import", str(path), "--role", "redline", "--workspace", str(ws),
                 "--replace"]) == 0


# --- 7. exit codes ---------------------------------------------------------------------------
def test_internal_errors_exit_1_with_a_log_bad_paths_exit_2(tmp_path, monkeypatch, capsys):
    from siting import cli

    monkeypatch.setenv("SITING_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("SITING_DEBUG", raising=False)

    def bug(args):
        raise ZeroDivisionError("oops")

    assert cli.run_command(bug, None, ["run"]) == 1
    err = capsys.readouterr().err
    log = Path(re.search(r"traceback is in (\S+):", err).group(1))
    assert log.is_relative_to(tmp_path / "ws" / "logs") and "ZeroDivisionError" in \
        log.read_text()
    assert "Traceback" not in err

    def denied(args):
        raise PermissionError(13, "Permission denied", "/root/secret/out")

    assert cli.run_command(denied, None) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Permission denied (out)") and "/root" not in err
    # the importer's and the library's entry points share the one handler
    assert main(["import", str(tmp_path / "none.tif"), "--role", "slope"]) == 2


# --- 8. paths --------------------------------------------------------------------------------
def test_a_scenario_may_not_read_server_files(tmp_path, monkeypatch, capsys):
    from siting.inputs import check_scenario_paths

    monkeypatch.setenv("SITING_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("SITING_ALLOWED_DIRS", raising=False)
    evil = sc.from_dict({"layers": {"leagues": "/etc/passwd"}})
    with pytest.raises(SitingError, match=r"'passwd' lies outside the folders"):
        check_scenario_paths(evil)
    sneaky = sc.from_dict({"layers": {"leagues": str(tmp_path / "ws" / ".." / "x.gpkg")}})
    with pytest.raises(SitingError, match="lies outside"):
        check_scenario_paths(sneaky)
    check_scenario_paths(sc.from_dict({"layers": {"leagues": str(tmp_path / "ws/l.gpkg")}}))
    path = tmp_path / "s.yaml"
    _save_yaml(evil, path)
    out = tmp_path / "out"
    assert main(["run", "--quiet", "--scenario", str(path), "--out", str(out)]) == 2
    assert "lies outside" in capsys.readouterr().err and not out.exists()


def _save_yaml(scenario, path):
    """A scenario file as the library and the CLI write it (the one atomic writer)."""
    from layers.workspace import atomic_write_text

    return atomic_write_text(path, sc.dumps(scenario))
