"""The code passes the project's linter (ruff, settings in pyproject.toml)."""
import shutil
import subprocess
import sys

import pytest

from layers.catalog import REPO_DIR


@pytest.mark.skipif(shutil.which("ruff") is None and sys.platform != "linux",
                    reason="ruff not installed")
def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=REPO_DIR,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
