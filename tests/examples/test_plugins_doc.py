"""The code excerpts in docs/plugins.md are the starter plugins' real code, verbatim.

The guide's runnable parts are doctests (pytest runs docs/*.md); its excerpts
of larger code are marked ``<!-- excerpt: <path> -->`` and must appear, as
written, in the file they name — so the guide cannot drift from the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugins.md"
EXCERPT = re.compile(r"<!-- excerpt: (\S+) -->\s*```\w*\n(.*?)```", re.S)


def excerpts() -> list[tuple[str, str]]:
    return EXCERPT.findall(GUIDE.read_text(encoding="utf-8"))


def test_the_guide_has_excerpts() -> None:
    assert len(excerpts()) >= 8


@pytest.mark.parametrize(("path", "code"), excerpts(), ids=lambda v: str(v)[:50])
def test_each_excerpt_is_in_its_file(path: str, code: str) -> None:
    source = (ROOT / path).read_text(encoding="utf-8")
    assert code.strip("\n") in source, f"docs/plugins.md quotes {path} wrongly:\n{code}"
