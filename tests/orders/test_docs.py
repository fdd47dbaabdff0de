from __future__ import annotations

from pathlib import Path

from ecomflow.orders import OrderFlow

DOC = Path(__file__).parents[2] / "docs" / "order-flow.md"


def test_committed_diagram_matches_the_machine() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert block.strip() == OrderFlow.mermaid().strip(), "regenerate docs/order-flow.md"
