"""Render resources/icons/pilotis.svg to the PNG and multi-size ICO the bundle and installers use.

    .venv/bin/python packaging/make_icons.py

The SVG is the one source; the generated files are committed so a build needs no display.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
ICO_SIZES = [16, 20, 24, 32, 40, 48, 64, 128, 256]


def render(size: int):
    """The SVG drawn by Qt at `size` pixels, as a Pillow image (Qt draws small sizes crisper
    than a downscaled 256 px bitmap)."""
    from PIL import Image
    from PySide6.QtCore import QBuffer, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(ICONS / "pilotis.svg"))
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    import io

    return Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGBA")


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - must live
    images = {size: render(size) for size in ICO_SIZES}
    images[256].save(ICONS / "pilotis.png")
    images[256].save(
        ICONS / "pilotis.ico",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=[images[s] for s in ICO_SIZES if s != 256],
    )
    print(f"{ICONS / 'pilotis.png'} et {ICONS / 'pilotis.ico'} ({len(ICO_SIZES)} tailles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
