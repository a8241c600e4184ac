"""The exchange facade: take an offline copy, send the changes made since the last exchange, and
merge a partner's package in one transaction, one undoable step, with a conflict report."""

from __future__ import annotations

import contextlib
import getpass
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from desktop import __version__
from desktop.errors import PilotisError
from desktop.models import ExchangeIdentity, ExchangePartner, ExchangeReceipt, new_uuid
from desktop.services.common.history import begin_batch, install_history
from desktop.services.exchange.export import build_rows, echo_batches
from desktop.services.exchange.merge import Conflict, Counts, Merger, check_rows, touched_since
from desktop.services.exchange.package import Package, PackageError, read_package, write_package
from desktop.services.exchange.partners import (
    find_partner,
    history_position,
    identity,
    now,
)


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    partner: str
    since: int
    upto: int
    rows: int


@dataclass(frozen=True)
class MergeSummary:
    partner: str
    batch: str | None
    counts: Counts
    conflicts: tuple[Conflict, ...]
    already: bool = False

    @property
    def open_conflicts(self) -> tuple[Conflict, ...]:
        """The conflicts left for a decision (not settled by --prefer)."""
        return tuple(c for c in self.conflicts if c.decided is None)

    @property
    def changed(self) -> bool:
        c = self.counts
        return bool(c.created or c.updated or c.deleted)


@contextlib.contextmanager
def _large_cache(session):
    """SQLite: a 64 MB page cache while a merge writes rows all over big tables (2 MB by
    default, and every page evicted is written to the WAL and read back), then as it was."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    connection = session.connection()
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql("PRAGMA cache_size = -65536")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - getpass raises various errors without a login name
        return "inconnu"


class ExchangeService:
    """Change packages in and out of one base (a session factory)."""

    def __init__(self, session_factory: sessionmaker, label: str = "") -> None:
        install_history(session_factory)
        self._sessions = session_factory
        self._label = label

    def identity(self) -> str:
        with self._sessions.begin() as session:
            return identity(session)

    def partners(self) -> list[tuple[str, str, str]]:
        """(identity, label, role) of each partner."""
        with self._sessions() as session:
            return [
                (p.partner_uuid, p.label, p.role)
                for p in session.scalars(select(ExchangePartner).order_by(ExchangePartner.id))
            ]

    # -- checkout -----------------------------------------------------------------------------

    def become_copy_of(self, source_identity: str, source_label: str) -> tuple[str, int]:
        """Right after a whole copy: this base takes an identity of its own and remembers the
        source and where its history stood (the copy's history is the source's up to there).
        Returns (this base's new identity, the history position)."""
        with self._sessions.begin() as session:
            session.execute(delete(ExchangeReceipt))
            session.execute(delete(ExchangePartner))
            session.execute(delete(ExchangeIdentity))
            mine = new_uuid()
            stamp = now()
            session.add(ExchangeIdentity(uuid=mine, created_at=stamp))
            position = history_position(session)
            session.add(ExchangePartner(
                partner_uuid=source_identity, label=source_label[:300], role="source",
                received_upto=position, acked_upto=position, sent_upto=position,
                created_at=stamp, updated_at=stamp,
            ))  # fmt: skip
        return mine, position

    def know_copy(self, copy_identity: str, label: str, position: int) -> None:
        """The source remembers a copy taken from it at a history position."""
        with self._sessions.begin() as session:
            stamp = now()
            session.add(ExchangePartner(
                partner_uuid=copy_identity, label=label[:300], role="copy",
                received_upto=position, acked_upto=position, sent_upto=position,
                created_at=stamp, updated_at=stamp,
            ))  # fmt: skip

    # -- export -------------------------------------------------------------------------------

    def export(self, path: Path, *, partner: str | None = None,
               since: int | None = None) -> ExportSummary:  # fmt: skip
        """Write the package of this base's changes for a partner since the last one sent (or
        since a history position)."""
        path = Path(path)
        if path.exists() and path.is_dir():
            raise PilotisError(f"{path} est un dossier : indiquez un nom de fichier.")
        with self._sessions() as session:
            other = find_partner(session, partner)
            mine = identity(session)
            start = other.sent_upto if since is None else since
            if start < 0:
                raise PilotisError("--since : une position d'historique est un entier positif.")
            upto = history_position(session)
            if start > upto:
                raise PilotisError(
                    f"--since {start} : l'historique de cette base ne va que jusqu'à {upto}."
                )
            rows = build_rows(session, other, start, upto)
            manifest = {
                "package": new_uuid(),
                "sender": {"uuid": mine, "label": self._label},
                "receiver": other.partner_uuid,
                "receiver_label": other.label,
                "since": start,
                "upto": upto,
                "receiver_seen": other.received_upto,
                "created_at": now().isoformat(),
                "login": _login(),
                "pilotis": __version__,
            }
            partner_id = other.id
            label = other.label
        write_package(path, manifest, rows)
        with self._sessions.begin() as session:  # only once the file is whole
            other = session.get(ExchangePartner, partner_id)
            other.sent_upto = max(other.sent_upto, upto)
            other.updated_at = now()
        return ExportSummary(path, label, start, upto, len(rows))

    # -- merge --------------------------------------------------------------------------------

    def read(self, path: Path) -> Package:
        package = read_package(path)
        check_rows(package, Path(path).name)
        return package

    def merge(self, path: Path, prefer: str | None = None) -> MergeSummary:
        """Apply a partner's package: everything that does not conflict, in one transaction and
        one history batch. Conflicts are returned, not applied; `prefer` ("mine" or "theirs")
        settles the fields changed on both sides, which are then returned as decided."""
        if prefer not in (None, "mine", "theirs"):
            raise PilotisError("--prefer : mine (garder la valeur d'ici) ou theirs (prendre "
                               "celle du paquet).")  # fmt: skip
        package = self.read(path)
        name = Path(path).name
        with self._sessions.begin() as session:
            begin_batch(session, f"echange-{new_uuid().replace('-', '')[:12]}")
            mine = identity(session)
            if package.receiver != mine:
                raise PackageError(
                    f"{name} est destiné à une autre base (« "
                    f"{package.manifest.get('receiver_label') or package.receiver} ») : "
                    "rien n'a été modifié."
                )
            other = session.scalar(
                select(ExchangePartner)
                .where(ExchangePartner.partner_uuid == package.sender)
                .with_for_update()  # two merges from one partner at once: one after the other
            )
            done = session.scalar(
                select(ExchangeReceipt.id).where(ExchangeReceipt.package_uuid == package.uuid)
            )
            label = other.label if other is not None else package.sender_label
            if done is not None or (other is not None and package.upto <= other.received_upto
                                    and package.since < package.upto):  # fmt: skip
                return MergeSummary(label, None, Counts(), (), already=True)
            if other is None:
                if package.since != package.receiver_seen:
                    raise PackageError(
                        f"{name} vient d'une base inconnue ici (« {package.sender_label} ») et "
                        "ne part pas de sa copie : rien n'a été modifié."
                    )
                stamp = now()
                other = ExchangePartner(
                    partner_uuid=package.sender, label=package.sender_label[:300] or "copie",
                    role="copy", received_upto=package.since, acked_upto=package.receiver_seen,
                    sent_upto=package.receiver_seen, created_at=stamp, updated_at=stamp,
                )  # fmt: skip
                session.add(other)
                session.flush()
            if package.since > other.received_upto:
                raise PackageError(
                    f"{name} part de la position {package.since} de l'historique de « {label} », "
                    f"mais cette base n'en a reçu que jusqu'à {other.received_upto} : un paquet "
                    "précédent manque. Demandez-le, ou un paquet refait depuis "
                    f"{other.received_upto} (exchange export --since {other.received_upto}). "
                    "Rien n'a été modifié."
                )
            if package.since < other.received_upto:
                raise PackageError(
                    f"{name} reprend des modifications de « {label} » déjà reçues (jusqu'à la "
                    f"position {other.received_upto}) : demandez un paquet depuis "
                    f"{other.received_upto}. Rien n'a été modifié."
                )
            touched = touched_since(session, package.receiver_seen, echo_batches(session, other))
            merger = Merger(session, touched, prefer)
            with _large_cache(session):
                merger.run(package.rows)
                merger.keep_authors()
            batch = session.info.get("batch") if merger.counts.created or merger.counts.updated \
                or merger.counts.deleted else None  # fmt: skip
            other.received_upto = package.upto
            other.acked_upto = max(other.acked_upto, package.receiver_seen)
            other.sent_upto = max(other.sent_upto, other.acked_upto)
            other.updated_at = now()
            session.add(ExchangeReceipt(
                package_uuid=package.uuid, partner_id=other.id, batch=batch,
                since=package.since, upto=package.upto,
                applied=merger.counts.created + merger.counts.updated + merger.counts.deleted,
                conflicts=len(merger.conflicts), merged_at=now(), login=_login()[:120],
            ))  # fmt: skip
            return MergeSummary(label, batch, merger.counts, tuple(merger.conflicts))
