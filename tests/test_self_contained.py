"""The repository is self-contained: nothing it runs reads beside the checkout (a fresh clone on a
new machine has none of the developers' folders next to it)."""

from __future__ import annotations

import re

from tests.conftest import ROOT

# Ways a path outside the checkout was spelled before: the parent of the repository's root, or
# the developers' shared folder beside it.
_SHARED = "sha" + "red"  # spelt in two pieces, so that this file does not name the folder itself
_OUTSIDE = re.compile(
    rf"\.\./{_SHARED}|/{_SHARED}/(?:external-data|source)|parents\[\d\]\.parent\b"
)
_SOURCES = ("desktop", "tests", "bench", "scripts", "packaging", "migrations", ".ci")


def test_no_source_reads_outside_the_repository():
    """No module, script or CI step names a path beside the repository."""
    offenders = []
    for folder in _SOURCES:
        for path in (ROOT / folder).rglob("*"):
            if not path.is_file() or path.suffix not in ("", ".py", ".sh", ".spec", ".cfg"):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            offenders += [f"{path.relative_to(ROOT)}:{m.group(0)}" for m in _OUTSIDE.finditer(text)]
    for name in ("Makefile", "main.py", "pyproject.toml"):
        text = (ROOT / name).read_text(encoding="utf-8")
        offenders += [f"{name}:{m.group(0)}" for m in _OUTSIDE.finditer(text)]
    assert offenders == []


def test_the_external_test_data_is_committed_with_its_licence():
    """The Ministry's establishment directory the import tests read is in the repository, with
    its provenance and licence beside it."""
    data = ROOT / "tests" / "data" / "external"
    assert (data / "fr-en-annuaire-education_occitanie.csv").stat().st_size == 3_656_443
    sources = (data / "SOURCES.md").read_text(encoding="utf-8")
    assert "Licence Ouverte" in sources
    assert "ffa534bcb736acf46fb3379cfb37325eae217350066464ad52b8b2e9441e9ecc" in sources
