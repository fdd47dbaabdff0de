"""The Orchestrator's test shop (tests/orchestration/conftest.py), for the returns desk."""

from tests.orchestration.conftest import make_shop

__all__ = ["make_shop"]
