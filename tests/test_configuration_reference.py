"""docs/configuration.md is generated from the settings models and must stay current."""

from __future__ import annotations

from pathlib import Path

from ecomflow.orchestration.reference import config_reference

DOC = Path(__file__).parents[1] / "docs" / "configuration.md"


def test_the_committed_reference_matches_the_models() -> None:
    assert DOC.read_text(encoding="utf-8") == config_reference(), (
        "regenerate: python -m ecomflow.orchestration.reference > docs/configuration.md"
    )


def test_every_top_level_key_is_documented() -> None:
    from ecomflow.orchestration import OrchestratorConfig

    text = DOC.read_text(encoding="utf-8")
    for key in OrchestratorConfig.model_fields:
        assert f"`{key}`" in text or f"[{key}]" in text, key
