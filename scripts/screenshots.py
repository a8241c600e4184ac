"""Save screenshots of every tab for the docs: `xvfb-run -s "-screen 0 1400x900x24"
.venv/bin/python scripts/screenshots.py [--db FILE] [--out docs/screenshots]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.app import build_main_window, create_application  # noqa: E402
from desktop.services.dataset import open_with_dataset  # noqa: E402
from desktop.settings import Settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = create_application()
    database = open_with_dataset(args.db)
    window = build_main_window(database, Settings(out / "screenshots.ini"))
    window.resize(1280, 800)
    window.show()
    names = ["annuaire", "programmes", "budgets"]
    for index, name in enumerate(names):
        window.tabs.setCurrentIndex(index)
        window.load_current_tab()
        for _ in range(5):
            app.processEvents()
        screen = window.screen()
        image = screen.grabWindow(window.winId()) if screen else window.grab()
        if image.isNull():
            image = window.grab()
        image.save(str(out / f"{name}.png"))
        print(out / f"{name}.png")
    (out / "screenshots.ini").unlink(missing_ok=True)
    database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
