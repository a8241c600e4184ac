"""Render every printed document to PNG pages in docs/print/ and measure how much of each page is
covered: `QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/print_gallery.py [--db FILE]
[--out docs/print] [--dpi 50] [--look DIR]`.

The documents are made by the command line a user runs (`main.py report …`) on the embedded 2023
dataset (a fresh base unless --db); their pages go through pdftoppm (poppler-utils). For each
page the script prints its ink (share of non-white pixels) and its coverage (share of the body,
between header and footer, down to the last printed line); a page under half covered that does
not end its section is flagged. The booklet keeps its first pages in docs/print (all are
measured). --look DIR also writes every page at 100 dpi there, to be read at 100 %.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = (  # name, report arguments, pages kept in docs/print (None: all)
    ("synthese", ["budget"], None),
    ("fiche", ["programme", "--code", "AMI-CMA-CARTE"], None),
    ("livret", ["programme"], 3),
    ("annuaire", ["directory", "--unit", "DRAJES"], None),
    ("organigramme", ["orgchart"], None),
)
# The page frame (15 mm margins, header 30 pt + 6 pt, footer 22 pt) as shares of an A4 side.
MARGIN, HEADER, FOOTER = 15 / 297, (36 / 72 * 25.4) / 297, (22 / 72 * 25.4) / 297


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def measure(png: Path) -> tuple[float, float]:
    """(ink, coverage) of one page image."""
    from PIL import Image

    image = Image.open(png).convert("L")
    width, height = image.size
    pixels = image.load()
    inked_rows, ink = [], 0
    for y in range(height):
        row = sum(1 for x in range(0, width, 2) if pixels[x, y] < 235)
        ink += row
        if row:
            inked_rows.append(y)
    landscape = width > height
    side = height
    top = round(side * (MARGIN + HEADER)) if not landscape else round(side * (15 + 12.7) / 210)
    bottom = height - round(side * (MARGIN + FOOTER) if not landscape else side * 22.8 / 210)
    body = [y for y in inked_rows if top <= y < bottom]
    coverage = (max(body) - top) / (bottom - top) if body else 0.0
    return ink / (width * height / 2), max(0.0, min(1.0, coverage))


def save_small(source: Path, target: Path) -> None:
    """The page in 64 colours: a tenth of the bytes, and the charts still read."""
    from PIL import Image

    Image.open(source).convert("RGB").quantize(64).save(target, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="base à imprimer (par défaut : une base neuve, jeu 2023)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "print"))
    parser.add_argument("--dpi", type=int, default=50)
    parser.add_argument("--look", help="dossier où écrire aussi chaque page à 100 ppp")
    args = parser.parse_args()
    if not shutil.which("pdftoppm"):
        print("pdftoppm manquant (paquet poppler-utils)", file=sys.stderr)
        return 1
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MPLBACKEND": "Agg"}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        db = args.db or str(work / "base.sqlite")
        if not args.db:
            run([sys.executable, str(ROOT / "main.py"), "--db", db, "init"], env=env)
        flagged, total = 0, 0
        for name, report, keep in DOCUMENTS:
            pdf = work / f"{name}.pdf"
            run([sys.executable, str(ROOT / "main.py"), "--db", db, "report", *report,
                 "--out", str(pdf)], env=env)  # fmt: skip
            pages = work / name
            run(["pdftoppm", "-r", str(args.dpi), "-png", str(pdf), str(pages)])
            if args.look:
                Path(args.look).mkdir(parents=True, exist_ok=True)
                run(["pdftoppm", "-r", "100", "-png", str(pdf), str(Path(args.look) / name)])
            images = sorted(work.glob(f"{name}-*.png"))
            print(f"{name} ({len(images)} page(s)) : encre / couverture")
            for number, image in enumerate(images, start=1):
                ink, coverage = measure(image)
                # A sheet is a section of its own; elsewhere only the last page may be short.
                last = number == len(images) or name in ("livret", "organigramme")
                mark = "" if last or coverage >= 0.5 else "  ← moins de la moitié"
                flagged += bool(mark)
                total += 1
                if keep is None or number <= keep or mark:
                    print(f"  page {number:3d} : {ink:6.1%} / {coverage:6.1%}{mark}")
                if keep is None or number <= keep:
                    save_small(image, out / f"{name}-{number:02d}.png")
    size = sum(p.stat().st_size for p in out.glob("*.png"))
    print(f"{total} pages mesurées, {flagged} sous la moitié hors fin de section ; "
          f"{len(list(out.glob('*.png')))} PNG dans {out} ({size // 1024} Ko)")  # fmt: skip
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
