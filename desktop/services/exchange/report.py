"""The French report of a merge: what was applied, and each conflict with its row, its field and
the three values (at the common point, theirs, ours), for the printout and the conflict file."""

from __future__ import annotations

from pathlib import Path

from desktop.services.exchange.service import MergeSummary


def summary_lines(summary: MergeSummary) -> list[str]:
    if summary.already:
        return [f"Paquet de « {summary.partner} » déjà reçu : rien n'a été modifié."]
    c = summary.counts
    lines = [
        f"Modifications de « {summary.partner} » reçues : {c.created} élément(s) ajouté(s), "
        f"{c.updated} champ(s) modifié(s), {c.deleted} élément(s) supprimé(s)"
        + (f", {c.same} déjà faite(s) ici aussi" if c.same else "")
        + "."
    ]
    if summary.batch:
        lines.append(
            "Elles forment une seule étape de l'historique, annulable d'un coup depuis "
            f"l'Historique (Ctrl+H) : lot {summary.batch}."
        )
    decided = len(summary.conflicts) - len(summary.open_conflicts)
    if decided:
        lines.append(f"{decided} conflit(s) tranché(s) par --prefer.")
    if summary.open_conflicts:
        lines.append(f"{len(summary.open_conflicts)} conflit(s) : non appliqué(s), à trancher.")
    return lines


def conflict_lines(summary: MergeSummary) -> list[str]:
    lines = []
    for number, c in enumerate(summary.conflicts, start=1):
        head = f"{number}. {c.row}"
        if c.field:
            head += f" — {c.field_label}"
        settled = {"mine": " (gardé ici)", "theirs": f" (pris chez « {summary.partner} »)"}
        lines.append(f"{head} : {c.reason}{settled.get(c.decided, '')}.")
        if c.field and (c.base or c.theirs or c.ours):
            lines.append(f"   avant : {c.base} → chez « {summary.partner} » : {c.theirs} / "
                         f"ici : {c.ours}")  # fmt: skip
    return lines


def write_report(path: Path, summary: MergeSummary, package_name: str) -> None:
    text = [f"Réception du paquet {package_name}", "", *summary_lines(summary)]
    if summary.conflicts:
        text += ["", "Conflits :", *conflict_lines(summary)]
    Path(path).write_text("\n".join(text) + "\n", encoding="utf-8")
