"""Save screenshots of every tab for the docs: `xvfb-run -s "-screen 0 1400x900x24"
.venv/bin/python scripts/screenshots.py [--db FILE] [--out docs/screenshots] [--scale 1.5]`.

Besides the three tabs on the embedded dataset, `--first-start` saves the three tabs of a base
made by `init --empty` (premier-demarrage-*.png; with -150 at --scale 1.5), as a newcomer sees
them."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.app import build_main_window, create_application
from desktop.services.transfer.dataset import open_with_dataset
from desktop.settings import Settings

TABS = ["annuaire", "programmes", "budgets"]


def shoot(app, window, out: Path, names: list[str]) -> None:
    """Show each tab in turn, its data loaded (the budget sums finished), and save it."""
    for index, name in enumerate(names):
        window.tabs.setCurrentIndex(index)
        window.load_current_tab()
        deadline = time.monotonic() + 20
        while getattr(window.current_page(), "busy", False) and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.02)
        for _ in range(5):
            app.processEvents()
        # The widget's own rendering: at 150 % the window may be larger than Xvfb's screen.
        window.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png")


def open_window(app, db_value: str | None, settings_path: Path, fill: bool, scale: float):
    database = open_with_dataset(db_value, fill=fill)
    window = build_main_window(database, Settings(settings_path))
    # The same logical size at every scale would not fit the screen at 150 %.
    window.resize(1280, 800) if scale <= 1 else window.resize(1100, 680)
    window.show()
    return database, window


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--first-start", action="store_true", help="the three tabs of an empty base instead"
    )
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.scale != 1:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)  # read when the application starts
    suffix = "" if args.scale == 1 else f"-{round(args.scale * 100)}"
    app = create_application()
    with tempfile.TemporaryDirectory(prefix="pilotis-") as folder:
        settings = Path(folder) / "screenshots.ini"
        if args.first_start:
            empty = str(Path(folder) / "pilotis.sqlite")
            database, window = open_window(app, empty, settings, False, args.scale)
            shoot(app, window, out, [f"premier-demarrage-{n}{suffix}" for n in TABS])
        else:
            database, window = open_window(app, args.db, settings, True, args.scale)
            shoot(app, window, out, [f"{n}{suffix}" for n in TABS])
        window.close()
        database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
