"""Peak resident memory of the GUI with every tab loaded on a database: prints VmHWM in MB."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(db: str) -> None:
    from desktop.app import build_main_window, create_application
    from desktop.db import open_database
    from desktop.settings import Settings

    app = create_application()
    database = open_database(db)
    window = build_main_window(database, Settings(Path(db).with_suffix(".ini")))
    window.show()
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        window.load_current_tab()
        app.processEvents()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            print(int(line.split()[1]) / 1024)
    database.dispose()


if __name__ == "__main__":
    main(sys.argv[1])
