from __future__ import annotations

import pytest

from config import Config, ProductionConfig, _normalise_db_url
from engage import create_app


def test_production_refuses_development_secrets() -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig, SECRET_KEY=Config.SECRET_KEY, PHONE_HASH_KEY="k",
                   PHONE_ENCRYPTION_KEY="k")
    with pytest.raises(RuntimeError, match="PHONE_HASH_KEY"):
        create_app(ProductionConfig, SECRET_KEY="a-real-secret", PHONE_HASH_KEY=None,
                   PHONE_ENCRYPTION_KEY="k")


def test_database_urls_use_psycopg3() -> None:
    assert _normalise_db_url("postgres://h/db") == "postgresql+psycopg://h/db"
    assert _normalise_db_url("postgresql://h/db") == "postgresql+psycopg://h/db"
    assert _normalise_db_url("sqlite:///x.db") == "sqlite:///x.db"
