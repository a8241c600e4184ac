"""The shell assembles what it is handed: it imports no domain view, and no view builds a service."""

from __future__ import annotations

import ast
from pathlib import Path

import desktop.views.shell

DOMAINS = ("directory", "programmes", "budgets", "transfer", "safety")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_shell_module_imports_a_domain_package():
    """Function-level imports included: desktop/app.py hands the window its tabs and menus."""
    shell = Path(desktop.views.shell.__file__).parent
    reached = {
        f"{path.name}: {name}"
        for path in sorted(shell.glob("*.py"))
        for name in imported_modules(path)
        if any(name.startswith(f"desktop.views.{domain}") for domain in DOMAINS)
    }
    assert reached == set()


def test_no_view_builds_a_service_or_reaches_into_one():
    """desktop/app.py is the only place that builds services; views never read their sessions."""
    views = Path(desktop.views.shell.__file__).parent.parent
    found = []
    for path in sorted(views.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name.endswith("Service"):
                    found.append(f"{path.relative_to(views)}:{node.lineno} builds {name}")
            elif isinstance(node, ast.Attribute) and node.attr == "_sessions":
                found.append(f"{path.relative_to(views)}:{node.lineno} reads ._sessions")
    assert found == []
