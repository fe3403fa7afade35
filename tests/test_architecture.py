"""The layers import one way: kb_api -> ingest -> kb_core; eval and bench on top, imported by nobody."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import REPO_ROOT

from kb_core.domain import FILTER_FIELDS, FILTER_NAMES, KEYWORD_FIELDS

# package -> packages it must never import
FORBIDDEN = {
    "kb_core": {"ingest", "kb_api", "eval", "bench"},
    "ingest": {"kb_api", "eval", "bench"},
    "kb_api": {"eval", "bench"},
}


def imported_packages(path: Path) -> set[str]:
    """Top-level package names imported anywhere in a module (including imports inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_one_above_it(package: str) -> None:
    offenders = {
        str(path.relative_to(REPO_ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in (REPO_ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_filter_fields_are_declared_once_and_derived_everywhere() -> None:
    from typer.main import get_command

    from kb_api.cli import app
    from kb_api.schemas import FiltersIn

    assert set(FILTER_NAMES) <= set(FiltersIn.model_fields)
    assert set(FILTER_NAMES) <= set(KEYWORD_FIELDS)  # the store's payload indexes
    search = get_command(app).commands["search"]  # type: ignore[attr-defined]
    options = {opt for param in search.params for opt in getattr(param, "opts", [])}
    assert {f"--{f.name.replace('_', '-')}" for f in FILTER_FIELDS} <= options
