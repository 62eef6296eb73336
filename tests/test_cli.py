"""``python -m siting layers``: listing the catalog from the command line."""
import json
import subprocess
import sys

from layers.catalog import REPO_DIR


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "siting", *args], cwd=REPO_DIR,
                          capture_output=True, text=True, timeout=120)


def test_layers_json_lists_every_layer():
    result = run_cli("layers", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 16
    keys = {"id", "name_zh", "name_en", "role", "kind", "provenance", "source", "path"}
    assert all(keys <= set(r) for r in rows)
    by_id = {r["id"]: r for r in rows}
    assert by_id["redline"]["provenance"] == "synthetic"
    assert by_id["leagues"]["name_zh"] == "盟市"
    assert by_id["leagues"]["layer"] == "leagues"
    assert "layer" not in by_id["ghi"]


def test_layers_table_is_readable():
    result = run_cli("layers")
    assert result.returncode == 0
    assert "wind_speed_100m" in result.stdout and "生态保护红线" in result.stdout


def test_unknown_command_exits_nonzero_without_traceback():
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
