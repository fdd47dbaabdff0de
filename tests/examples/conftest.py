"""Make the starter plugins in examples/ importable without installing them.

Their ``src`` folders (the packages) and ``tests`` folders (their own test
modules, collected through ``test_*_suite.py`` here) go on ``sys.path``; pip
installing them is not needed. Discovery through entry points is tested in
``test_starter_plugins.py`` with a temporary ``.dist-info``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PLUGINS = {
    "ecomflow_starter_carrier": EXAMPLES / "ecomflow_starter_carrier",
    "ecomflow_starter_channel": EXAMPLES / "ecomflow_starter_channel",
}

for _folder in PLUGINS.values():
    for _sub in ("src", "tests"):
        if str(_folder / _sub) not in sys.path:
            sys.path.insert(0, str(_folder / _sub))

pytest.register_assert_rewrite("test_starter_carrier", "test_starter_channel")
