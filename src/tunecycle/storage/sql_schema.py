"""The SQL storage's schema on a database: check its Alembic revision when a store opens,
create or upgrade it under a lock that serialises workers (PostgreSQL advisory lock, SQLite
write lock), and refuse a database of Optuna's with the hint to import it.

Not here: the tables themselves (``schema.py``) and the migration scripts (``migrations/``).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, column, select, table
from sqlalchemy.exc import DBAPIError

from tunecycle.errors import SchemaVersionError, StorageURLError
from tunecycle.storage.schema import SCHEMA_HEAD, VERSION_TABLE
from tunecycle.storage.sql_engine import _sqlite_table_names
from tunecycle.storage.sql_transactions import SQLTransactions

_ADVISORY_KEY = 0x7475_6E65  # "tune"


#: the tables that mark an Optuna database, and what to do with one
_OPTUNA_TABLES = frozenset({"studies", "trials", "version_info"})


_IMPORT_HINT = (
    "copy its studies into a tunecycle storage with `tunecycle import --from URL "
    "--to sqlite:///tunecycle.db`"
)


class SQLSchema(SQLTransactions):
    """Schema checks and migrations of ``SQLStorage``."""

    def _ensure_schema(self, create: bool = True) -> None:
        current = self._schema_revision()
        if current == SCHEMA_HEAD:
            return
        if current is None:
            if self._holds_optuna_tables():
                self.close()
                raise StorageURLError(_optuna_refusal(self._safe_url, create))
            if not create:  # a reader (the dashboard) does not write a schema
                self.close()
                raise StorageURLError(
                    f"storage {self._safe_url}: the database holds no tunecycle studies "
                    "(it has no tunecycle tables)"
                )
            self._migrate()
            return
        raise SchemaVersionError(
            f"storage {self._safe_url}: the database has schema {current!r} and this tunecycle "
            f"uses {SCHEMA_HEAD!r}; run `tunecycle storage upgrade --storage URL` "
            "(with the newer of the two tunecycle versions)"
        )

    def _refuse_optuna_file(self, path: Path, create: bool) -> None:
        """Refuse an Optuna SQLite file before the first connection (which would switch it
        to WAL, a write)."""
        names = _sqlite_table_names(path)
        if _OPTUNA_TABLES <= names and VERSION_TABLE not in names:
            self.close()
            raise StorageURLError(_optuna_refusal(self._safe_url, create))

    def _holds_optuna_tables(self) -> bool:
        """True when the database has Optuna's tables (a user's Optuna database)."""
        from sqlalchemy import inspect

        names = set(self._read(lambda conn: inspect(conn).get_table_names()))
        return _OPTUNA_TABLES <= names

    def _schema_revision(self) -> str | None:
        def read(conn: Connection) -> str | None:
            return conn.execute(
                select(column("version_num")).select_from(table(VERSION_TABLE))
            ).scalar()

        try:
            return self._read(read)
        except DBAPIError as exc:  # not a passing one: those were waited out
            if _missing_table(exc):
                return None
            raise StorageURLError(f"storage {self._safe_url}: {_reason(exc)}") from None

    def _migrate(self, target: str = "head") -> None:
        """Create or upgrade the schema with Alembic, under a lock that serialises workers."""
        from alembic import command
        from alembic.config import Config

        def run(conn: Connection) -> None:
            if not self._is_sqlite:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_KEY})")
            cfg = Config()
            cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)

        self._write(run)

    @classmethod
    def upgrade_url(cls, url: str) -> None:
        """Create or upgrade the schema of the database at ``url`` to this version's."""
        store = cls(url, check_schema=False)
        try:
            current = store._schema_revision()
            if current is not None and not _known_revision(current):
                raise SchemaVersionError(
                    f"storage {store._safe_url}: schema {current!r} is newer than this "
                    f"tunecycle ({SCHEMA_HEAD!r}); upgrade tunecycle instead"
                )
            store._migrate()
        finally:
            store.close()


def _optuna_refusal(safe_url: str, create: bool) -> str:
    """Why a database of Optuna's is not opened as a tunecycle store (a user switching from
    Optuna expects their history there, not a new empty study beside it)."""
    if not create:
        return (f"storage {safe_url}: the database holds no tunecycle studies (it has no "
                f"tunecycle tables; it holds Optuna's: {_IMPORT_HINT})")
    return (f"storage {safe_url}: the database holds Optuna's tables, not tunecycle's, and "
            f"tunecycle does not use Optuna's schema: {_IMPORT_HINT}; or, to keep tunecycle's "
            "tables in this same database, run `tunecycle storage upgrade --storage URL` "
            "once first")


def _missing_table(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "no such table" in text or ("does not exist" in text and "relation" in text)


def _reason(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)


def _known_revision(revision: str) -> bool:
    versions = Path(__file__).parent / "migrations" / "versions"
    return any(p.name.startswith(revision + "_") for p in versions.glob("*.py"))
