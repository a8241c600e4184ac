"""Architecture rules import-linter cannot express: reports draw with QtGui, never widgets."""

from __future__ import annotations

import ast
from pathlib import Path

DESKTOP = Path(__file__).resolve().parent.parent / "desktop"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_reports_services_models_and_db_never_import_qt_widgets():
    """Printing and business logic work without widgets, so they run headless and in scripts."""
    offenders = [
        str(path.relative_to(DESKTOP))
        for folder in ("reports", "services", "models")
        for path in (DESKTOP / folder).rglob("*.py")
        if any(name.startswith("PySide6.QtWidgets") for name in _imports(path))
    ]
    offenders += ["db.py"] if any("QtWidgets" in n for n in _imports(DESKTOP / "db.py")) else []
    assert offenders == []
