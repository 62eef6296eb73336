"""``python -m siting layers``: the catalog from the command line; the run's progress bar."""
import json
import re
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
    assert len(rows) == 18
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


class _Terminal:
    """A text stream that says it is a terminal."""

    def __init__(self):
        import io

        self.buffer = io.StringIO()

    def write(self, text):
        return self.buffer.write(text)

    def flush(self):
        pass

    def isatty(self):
        return True


def test_progress_bar_shows_stage_bar_and_time_left():
    from siting.cli import ProgressBar

    terminal = _Terminal()
    bar = ProgressBar(stream=terminal)
    bar(0.0, "parcels")
    bar(0.4, "zonal statistics 2/5")
    bar(0.3, "exclusions")  # never runs backwards
    bar.close()
    text = terminal.buffer.getvalue()
    assert text.startswith("\rparcels")
    # the latest stage, the percent, a bar, then elapsed<remaining
    assert re.search(r"exclusions +40%\|#+ +\| \d\d:\d\d<", text)


def test_progress_bar_is_quiet_off_a_terminal_or_when_asked():
    import io

    from siting.cli import ProgressBar

    pipe = io.StringIO()
    bar = ProgressBar(stream=pipe)
    bar(0.5, "parcels")
    bar.close()
    assert pipe.getvalue() == ""
    terminal = _Terminal()
    quiet = ProgressBar(stream=terminal, enabled=False)
    quiet(0.5, "parcels")
    quiet.close()
    assert terminal.buffer.getvalue() == ""
