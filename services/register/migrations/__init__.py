"""Alembic migrations of the case register, run programmatically (``writ migrate``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from services.platform.settings import Settings

HERE = Path(__file__).parent


def alembic_config(database_url_async: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("version_locations", str(HERE / "versions"))
    config.attributes["database_url"] = database_url_async
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    if settings.database_url_async.startswith("sqlite"):
        settings.data_path.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.database_url_async), revision)


def upgrade_url(database_url_async: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url_async), revision)


def downgrade_url(database_url_async: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url_async), revision)
