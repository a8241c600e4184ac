"""The platform's own style, with one correction: unselected tabs are not shifted down.

Fusion (and others) draw an unselected tab's label two pixels lower, inside the same clip: the
accent of a capital (« Échéancier », « Établissements ») was cut off, reading « Echéancier »."""

from __future__ import annotations

from PySide6.QtWidgets import QProxyStyle, QStyle


class PilotisStyle(QProxyStyle):
    def pixelMetric(self, metric, option=None, widget=None) -> int:  # noqa: N802 - Qt's name
        if metric == QStyle.PixelMetric.PM_TabBarTabShiftVertical:
            return 0
        return super().pixelMetric(metric, option, widget)
