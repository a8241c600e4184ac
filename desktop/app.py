"""The only place that wires the database, services, translations and the main window."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import APP_NAME, __version__
from desktop.errors import PilotisError
from desktop.paths import resource_path
from desktop.views.shell.style import PilotisStyle


def _install_translations(app: QApplication) -> None:
    """French for Qt's own dialogs (print, file, message boxes) and for ours when compiled."""
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    folders = [
        str(resource_path("resources", "translations")),
        QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
    ]
    for name in ("qtbase_fr", "pilotis_fr"):
        translator = QTranslator(app)
        if any(translator.load(name, folder) for folder in folders):
            app.installTranslator(translator)


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    if not isinstance(app.style(), PilotisStyle):
        app.setStyle(PilotisStyle(app.style().name()))
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    icon = resource_path("resources", "icons", "pilotis.png")
    if icon.exists():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(icon)))
    _install_translations(app)
    return app


def build_services(database):
    """The services of an open database, sharing its session factory: the only place they are
    built (the tabs, menus and dialogs receive theirs)."""
    from desktop.services.budgets.service import BudgetService
    from desktop.services.common.history import HistoryService, install_history
    from desktop.services.directory.service import DirectoryService
    from desktop.services.programmes.service import ProgrammeService
    from desktop.services.safety.checks import ChecksService
    from desktop.services.safety.conflicts import ConflictService
    from desktop.services.safety.history import HistoryQueryService
    from desktop.services.safety.rgpd import RgpdService
    from desktop.services.transfer.service import TransferService
    from desktop.views.shell.context import Services

    factory = database.session_factory
    # On a server the history names the account (one per person, see sql/roles.sql).
    install_history(factory, database.engine.url.username if not database.path else None)
    return Services(
        directory=DirectoryService(factory),
        programmes=ProgrammeService(factory),
        budgets=BudgetService(factory),
        checks=ChecksService(factory),
        history=HistoryService(factory),
        transfer=TransferService(factory),
        conflicts=ConflictService(factory),
        history_queries=HistoryQueryService(factory),
        rgpd=RgpdService(factory),
    )


def build_tabs(services) -> list:
    """The three tabs, each given its domain service and the shared ones it needs; the main
    window calls these with itself as parent (it knows no domain)."""
    from desktop.views.budgets.tab import BudgetsTab
    from desktop.views.directory.tab import DirectoryTab
    from desktop.views.programmes.tab import ProgrammesTab

    return [
        lambda parent: DirectoryTab(services.directory, services.conflicts, parent),
        lambda parent: ProgrammesTab(services.programmes, services.conflicts, parent),
        lambda parent: BudgetsTab(services.budgets, parent),
    ]


def attach_database(window, database) -> None:
    """Give a window's frame the tabs of an open database, and its File → Importer… entries."""
    from desktop.services.exchange.service import ExchangeService
    from desktop.views.exchange.exchange_actions import install_exchange_actions
    from desktop.views.transfer.import_actions import install_import_actions

    kind = "SQLite" if database.path else "PostgreSQL"
    services = build_services(database)
    window.attach(
        services, build_tabs(services), database.display_name, kind, database.warnings
    )  # fmt: skip
    install_import_actions(window, services.transfer)
    exchange = ExchangeService(database.session_factory, database.display_name)
    install_exchange_actions(window, exchange, database.url)


def backup_service(settings):
    """The backups of this workstation, kept as its settings say."""
    from desktop.services.safety.backups import BackupService, RotationPolicy

    return BackupService(
        policy=RotationPolicy(settings.backups_keep_last, settings.backups_weekly_weeks)
    )


def build_main_window(database, settings):
    from desktop.views.shell.main_window import MainWindow

    window = MainWindow(settings)
    attach_database(window, database)
    return window


def run_gui(
    db_value: str | None,
    *,
    smoke: bool = False,
    started: float | None = None,
    read_only: bool = False,
) -> int:
    """The application: its frame painted first (title, tabs, « Ouverture de la base… »), then
    the database opened and checked, then the tabs and the first tab's data."""
    started = started if started is not None else time.perf_counter()
    app = create_application()
    from desktop.settings import Settings
    from desktop.views.shell.main_window import MainWindow

    settings = Settings()
    window = MainWindow(settings)
    window.show()
    app.processEvents()
    painted = time.perf_counter()
    from desktop.views.safety.backup_dialog import install_safety
    from desktop.views.shell.database_dialog import chosen_value, with_server_password
    from desktop.views.shell.recovery_dialog import open_or_recover

    _import_in_background(_TAB_MODULES)
    backups = backup_service(settings)
    db_value = chosen_value(db_value, settings)  # --db, PILOTIS_DB, Fichier → Base de données
    if not smoke and db_value is not None:
        db_value = with_server_password(db_value)  # asked at start, never stored in clear
        if db_value is None:  # the user cancelled the password
            return 1
    try:
        database = open_or_recover(db_value, read_only=read_only, smoke=smoke, backups=backups)
    except PilotisError as error:
        if smoke:
            raise
        QMessageBox.critical(window, "Pilotis", str(error))
        return 1
    if database is None:
        return 1
    opened = time.perf_counter()
    for warning in database.warnings:
        if smoke:
            print(f"Attention : {warning}", file=sys.stderr)
        else:
            QMessageBox.warning(window, "Pilotis", warning)
    attach_database(window, database)
    guard = install_safety(window, database, backups)
    window.load_current_tab()
    app.processEvents()
    if not smoke and not read_only:
        _start_backup_in_background(db_value, backups)
    if smoke:
        shown = time.perf_counter()
        print(
            f"Démarrage : {shown - started:.3f} s (premier affichage {painted - started:.3f} s, "
            f"base ouverte en {opened - started:.3f} s) — {database.display_name}"
        )
        window.hide()
        window.deleteLater()
        guard.close()
        database.dispose()
        return 0
    try:
        return app.exec()
    finally:
        guard.at_close()
        guard.close()
        database.dispose()


# What the tabs need, imported by a thread while the GUI thread checks the file: SQLite runs
# quick_check with the GIL released (0.3 s on a 100 000-person base), time in which the ~0.3 s of
# models, services and tab modules get imported instead of after it. Import locks make this safe:
# a module the GUI thread needs meanwhile is waited for, never imported twice. Nothing here
# builds a widget.
_TAB_MODULES = (
    "desktop.models",
    "desktop.services.directory.service",
    "desktop.services.programmes.service",
    "desktop.services.budgets.service",
    "desktop.services.transfer.service",
    "desktop.services.safety.rgpd",
    "desktop.views.directory.tab",
    "desktop.views.programmes.tab",
    "desktop.views.budgets.tab",
)


def _import_in_background(modules: tuple[str, ...]) -> None:
    import importlib
    import threading

    def run() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the GUI thread's own import will say what failed
                return

    threading.Thread(target=run, name="pilotis-imports", daemon=True).start()


def _start_backup_in_background(db_value: str | None, backups=None) -> None:
    """The start backup of a file that needed no migration: taken by a worker once the window
    shows (the online backup API reads a consistent copy while the application works)."""
    from PySide6.QtCore import QRunnable, QThreadPool

    from desktop.services.safety.backups import BackupService
    from desktop.services.safety.guard import backup_before_open

    backups = backups or BackupService()

    class _Backup(QRunnable):
        def run(self) -> None:
            try:
                backup_before_open(db_value, backups)
            except Exception:  # noqa: BLE001 - a failed start backup must not stop the work
                return

    QThreadPool.globalInstance().start(_Backup())
