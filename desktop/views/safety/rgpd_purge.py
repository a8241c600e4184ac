"""After an RGPD erasure: the backups that still hold the person, offered for purging."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QMessageBox

from desktop.errors import PilotisError
from desktop.services.safety.guard import DataGuard
from desktop.services.safety.rgpd import ErasureSummary, RgpdService


def offer_backup_purge(
    window: QMainWindow, service: RgpdService, summary: ErasureSummary, guard: DataGuard
) -> None:
    """Ask « N sauvegarde(s) contiennent encore … : les purger ? » and purge on Yes."""
    tr = window.tr
    if not summary.compacted:
        QMessageBox.warning(
            window, tr("Données personnelles"),
            tr("{name} est effacé(e), mais un autre programme utilisait la base : d'anciennes "
               "valeurs peuvent rester dans l'espace libre du fichier jusqu'à sa prochaine "
               "réorganisation. Fermez les autres programmes et effacez de nouveau pour "
               "l'éviter.").format(name=summary.name),
        )  # fmt: skip
    if summary.traces is None or guard.path is None:
        return  # PostgreSQL: no backup folder of ours
    try:
        holding = service.backups_holding(summary.traces, guard.backups, guard.stem)
    except (PilotisError, OSError) as error:
        QMessageBox.warning(window, tr("Données personnelles"), str(error))
        return
    if not holding:
        return
    details = "\n".join(f"• {item.description}" for item in holding)
    answer = QMessageBox.question(
        window, tr("Sauvegardes à purger"),
        tr("{n} sauvegarde(s) contiennent encore des données de {name} : les purger ?\n\n"
           "{details}\n\nChaque sauvegarde lisible est réécrite sans ces données (elle reste "
           "restaurable) ; une sauvegarde illisible est supprimée. Sinon, elles les gardent "
           "jusqu'à leur suppression.").format(n=len(holding), name=summary.name,
                                               details=details),
    )  # fmt: skip
    if answer != QMessageBox.StandardButton.Yes:
        return
    purge = service.purge_backups(summary.traces, holding)
    window.statusBar().showMessage(
        tr("Sauvegardes purgées : {r} réécrite(s), {d} supprimée(s).").format(
            r=len(purge.rewritten), d=len(purge.deleted)
        ),
        12000,
    )
