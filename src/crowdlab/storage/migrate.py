"""Create or upgrade the schema with Alembic; `crowdlab serve` and every command call this first."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from crowdlab.storage.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(db: Database) -> Config:
    """An Alembic config pointing at our migrations and this database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return config


def upgrade(db: Database) -> None:
    """Bring the database to the newest schema (creates it on an empty database)."""
    config = alembic_config(db)
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        if db.is_sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def make_revision(db: Database, message: str) -> None:
    """Autogenerate a new migration from the difference between tables.py and the database."""
    config = alembic_config(db)
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.revision(config, message=message, autogenerate=True)
