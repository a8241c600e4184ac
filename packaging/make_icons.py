"""Render resources/icons/pilotis.svg to the PNG and multi-size ICO the bundle and installers use,
and the installer's side picture (packaging/windows/wizard.bmp).

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


def wizard_bitmap():
    """The side picture of the installer's welcome and finish pages (NSIS wants 164 x 314 px,
    24-bit BMP): the icon's house on the icon's blue, waves at the foot."""
    from PIL import Image
    from PySide6.QtCore import QBuffer, QIODevice, QRectF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(164, 314, QImage.Format.Format_RGB32)
    image.fill(QColor("#1d3f8f"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(ICONS / "pilotis.svg")).render(painter, QRectF(22, 56, 120, 120))
    painter.setPen(QPen(QColor("#6ec1ff"), 5, c=Qt.PenCapStyle.RoundCap))
    for row, y in enumerate((236, 256, 276)):
        path = QPainterPath()
        x = -10 + 12 * (row % 2)
        path.moveTo(x, y)
        while x < 164:
            path.quadTo(x + 12, y - 9, x + 24, y)
            path.quadTo(x + 36, y + 9, x + 48, y)
            x += 48
        painter.drawPath(path)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    import io

    return Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")


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
    wizard = ROOT / "packaging" / "windows" / "wizard.bmp"
    wizard_bitmap().save(wizard, format="BMP")
    print(f"{wizard} (pages d'accueil et de fin de l'installateur)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
