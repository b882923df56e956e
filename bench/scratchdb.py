"""A fresh, empty database for a bench run: PostgreSQL (dropped and made again on ``BENCH_PG_URL``'s server) or a
SQLite file under ``var/bench``. Django is pointed at it through ``DATABASE_URL`` before it is set up."""

import os
from pathlib import Path

import psycopg


def scratch_database(*, pg: bool, pg_name: str, sqlite_path: Path) -> None:
    """Make the database empty and set ``DATABASE_URL`` to it (the caller then sets Django up and migrates)."""
    if pg:
        base = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{pg_name}"')
        os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + pg_name
        return
    sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (sqlite_path, Path(f"{sqlite_path}-wal"), Path(f"{sqlite_path}-shm")):
        stale.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_path}"
