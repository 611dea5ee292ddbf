"""What the benchmarks share: a fresh PostgreSQL schema for one run (the tests' own)."""

from __future__ import annotations

from tests.conftest import fresh_postgres_schema as fresh_schema

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

__all__ = ["DEFAULT_DATABASE_URL", "fresh_schema"]
