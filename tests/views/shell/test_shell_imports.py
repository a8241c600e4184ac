"""The shell assembles tabs it is handed: no module of views/shell imports a domain's views."""

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
