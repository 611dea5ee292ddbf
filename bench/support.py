"""What the benchmarks share: a fresh PostgreSQL schema for one run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def fresh_schema(base_url: str) -> Iterator[str]:
    """A new PostgreSQL schema, dropped afterwards; yields a URL whose search_path is it."""
    from sqlalchemy.pool import NullPool

    from db.engine import make_engine, normalize_url

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url, poolclass=NullPool)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = normalize_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
