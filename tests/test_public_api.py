"""The public surface: every ``__all__`` is sorted, importable and complete."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
import types

import pytest

import ecomflow

PUBLIC_PACKAGES = sorted(
    {
        name
        for _, name, is_pkg in pkgutil.walk_packages(ecomflow.__path__, "ecomflow.")
        if not any(part.startswith("_") for part in name.split("."))
        and (is_pkg or name.count(".") == 1)
    }
    | {"ecomflow"}
)


def _module(name: str) -> types.ModuleType:
    return importlib.import_module(name)


@pytest.mark.parametrize("name", PUBLIC_PACKAGES)
def test_all_is_sorted_and_importable(name: str) -> None:
    module = _module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    # The order itself is ruff's RUF022 (isort-style), checked by the lint session.
    assert len(set(exported)) == len(exported), f"{name}.__all__ has duplicates"
    for public in exported:
        assert hasattr(module, public), f"{name}.__all__ names {public!r}, which is missing"


@pytest.mark.parametrize("name", PUBLIC_PACKAGES)
def test_no_public_name_outside_all(name: str) -> None:
    module = _module(name)
    exported = set(getattr(module, "__all__", ()))
    stray = []
    for attr, value in vars(module).items():
        if attr.startswith("_") or attr in exported:
            continue
        if inspect.ismodule(value):
            continue
        defined_here = getattr(value, "__module__", None) or ""
        is_package = hasattr(module, "__path__")
        ours = defined_here.startswith(f"{name}.") if is_package else defined_here == name
        if ours and (inspect.isclass(value) or inspect.isfunction(value)):
            stray.append(attr)
    assert not stray, f"{name} has public names missing from __all__: {stray}"


@pytest.mark.parametrize("name", PUBLIC_PACKAGES)
def test_public_names_have_docstrings(name: str) -> None:
    module = _module(name)
    assert module.__doc__, f"{name} has no module docstring"
    for public in getattr(module, "__all__", ()):
        value = getattr(module, public)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{name}.{public} has no docstring"


def test_version_matches_metadata() -> None:
    from importlib.metadata import version

    assert ecomflow.__version__ == version("ecomflow")


def test_cli_version_and_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ecomflow", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"ecomflow {ecomflow.__version__}"
    helped = subprocess.run(
        [sys.executable, "-m", "ecomflow", "--help"], capture_output=True, text=True, check=True
    )
    assert "demo" in helped.stdout


def test_py_typed_shipped() -> None:
    from importlib.resources import files

    assert files("ecomflow").joinpath("py.typed").is_file()
