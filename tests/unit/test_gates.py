"""The gates ``make lint`` and ``make test`` run: a violation fails them, naming the file
and the line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUFF = Path(sys.executable).parent / "ruff"


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RUFF), *args, "--config", str(ROOT / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_the_tree_passes_the_gates():
    assert _ruff("check", ".").returncode == 0
    assert _ruff("format", "--check", ".").returncode == 0


def test_a_violation_fails_the_lint_gate_naming_file_and_line(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nimport asyncio\n\n\nasync def f(items=[]):\n    return items\n")
    found = _ruff("check", str(bad))
    assert found.returncode != 0
    for rule in ("F401", "I001", "B006"):  # pyflakes, isort, bugbear
        assert rule in found.stdout
    assert f"{bad}:1:" in found.stdout or "bad.py:1:" in found.stdout
    unformatted = tmp_path / "ugly.py"
    unformatted.write_text("x = {  'a':1 }\n")
    assert _ruff("format", "--check", str(unformatted)).returncode != 0


def test_a_layering_violation_fails_the_import_contracts():
    """A domain module that imports an I/O library breaks its contract (the probe module
    lives in the tree for the duration of the test only)."""
    probe = ROOT / "services/scheduler/src/encaisse/scheduler/domain/_gate_probe.py"
    lint = [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"]
    try:
        probe.write_text("import sqlalchemy  # a domain rule doing I/O\n")
        broken = subprocess.run(lint, capture_output=True, text=True, cwd=ROOT, check=False)
    finally:
        probe.unlink(missing_ok=True)
    assert broken.returncode != 0
    assert "Domain rules import no I/O library BROKEN" in broken.stdout
    assert "encaisse.scheduler.domain._gate_probe -> sqlalchemy" in broken.stdout
    kept = subprocess.run(lint, capture_output=True, text=True, cwd=ROOT, check=False)
    assert kept.returncode == 0, kept.stdout[-2000:]


def test_the_types_check_and_every_ignore_says_why():
    mypy = Path(sys.executable).parent / "mypy"
    checked = subprocess.run([str(mypy)], capture_output=True, text=True, cwd=ROOT, check=False)
    assert checked.returncode == 0, checked.stdout[-3000:]
    bare = []
    for path in [*ROOT.glob("libs/*/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py")]:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if "type: ignore" in line and not re.search(r"type: ignore\[[\w, -]+\]\s*#\s*\S", line):
                bare.append(f"{path.relative_to(ROOT)}:{number}")
    assert not bare, f"a type: ignore without its code and reason: {bare}"


def test_an_untyped_domain_rule_fails_the_type_gate():
    probe = ROOT / "services/scheduler/src/encaisse/scheduler/domain/_type_probe.py"
    mypy = [str(Path(sys.executable).parent / "mypy")]
    try:
        probe.write_text("def untyped(x):\n    return x\n")
        broken = subprocess.run(mypy, capture_output=True, text=True, cwd=ROOT, check=False)
    finally:
        probe.unlink(missing_ok=True)
    assert broken.returncode != 0
    assert "_type_probe.py:1: error: Function is missing a type annotation" in broken.stdout
