"""Entry point of Pilotis: `python main.py --help`."""

import time

_STARTED = time.perf_counter()

if __name__ == "__main__":
    import sys

    from desktop.cli import main

    sys.exit(main(started=_STARTED))
