"""``nox`` runs what CI runs: the same checks, PostgreSQL required by both (issue 16, item 31)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _nox_commands() -> set[str]:
    source = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    runs = re.findall(r"session\.run\(([^)]*)\)", source, flags=re.S)
    return {" ".join(re.findall(r'"([^"]+)"', run)) for run in runs}


def test_every_ci_check_is_a_nox_session_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    nox = _nox_commands()
    for command in (
        "ruff check .",
        "ruff format --check .",
        "lint-imports",
        "mypy --strict src/ecomflow",
    ):
        assert command in ci, f"CI no longer runs {command!r}: update this test and nox"
        assert command in nox, f"nox does not run {command!r} as CI does"
    assert "python -m pytest" in ci and any(c.startswith("python -m pytest") for c in nox)


def test_both_require_postgresql_instead_of_skipping() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    nox = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    assert "ECOMFLOW_REQUIRE_POSTGRES=1" in ci
    assert '"ECOMFLOW_REQUIRE_POSTGRES": "1"' in nox
