"""The README's set-up as a newcomer runs it: the virtual environment from a fresh copy."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_the_virtual_environment_installs_from_a_fresh_copy_without_a_warning(tmp_path):
    files = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, tmp_path / name)
    done = subprocess.run(
        ["bash", "scripts/bootstrap-venv.sh"],
        cwd=tmp_path,
        text=True,
        capture_output=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "WARNING" not in output and "warning" not in output.lower(), output
    imported = subprocess.run(
        [
            str(tmp_path / ".venv/bin/python"),
            "-c",
            "import encaisse.ledger; print(encaisse.ledger.__file__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert imported.startswith(str(tmp_path))
