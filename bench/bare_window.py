"""Baseline for the cold start: a bare PySide6 main window shown, the floor of this stack."""

import sys
import time

started = time.perf_counter()
from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: E402

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setWindowTitle("Pilotis")
window.resize(1200, 760)
window.show()
app.processEvents()
print(f"{time.perf_counter() - started:.3f}")
