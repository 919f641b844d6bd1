"""The embedded PostgreSQL and Redis that `make run` / `make test` start without env vars."""

from __future__ import annotations

import psycopg
import redis

from portal import devservices


def _connect(database_url: str) -> psycopg.Connection:
    import environ

    cfg = environ.Env.db_url_config(database_url)
    return psycopg.connect(dbname=cfg["NAME"], user=cfg["USER"], host=cfg["OPTIONS"]["host"], autocommit=True)


def test_embedded_postgres_keeps_its_data_across_restarts(tmp_path):
    pg_dir = tmp_path / "postgres"
    url = devservices.postgres_up(pg_dir)
    try:
        assert url.startswith("postgres://postgres@/tika?host=")
        devservices.database_ensure(url)
        devservices.database_ensure(url)  # idempotent
        with _connect(url) as conn:
            conn.execute("CREATE TABLE kept (v text)")
            conn.execute("INSERT INTO kept VALUES ('still here')")
        assert devservices.postgres_up(pg_dir) == url  # a second `up` finds it running

        devservices.postgres_down(pg_dir)
        url_again = devservices.postgres_up(pg_dir)
        with _connect(url_again) as conn:
            assert conn.execute("SELECT v FROM kept").fetchone() == ("still here",)
    finally:
        devservices.postgres_down(pg_dir)


def test_embedded_redis_keeps_its_data_across_restarts(tmp_path):
    redis_dir = tmp_path / "redis"
    url = devservices.redis_up(redis_dir)
    try:
        assert url.startswith("redis://127.0.0.1:")
        redis.Redis.from_url(url).set("kept", "still here")
        assert devservices.redis_up(redis_dir) == url

        devservices.redis_down(redis_dir)
        url_again = devservices.redis_up(redis_dir)
        assert redis.Redis.from_url(url_again).get("kept") == b"still here"
    finally:
        devservices.redis_down(redis_dir)


def test_addresses_copied_from_our_own_file_do_not_count_as_the_users(monkeypatch):
    recorded = {"DATABASE_URL": "postgres://postgres@/tika?host=/x", "REDIS_URL": "redis://127.0.0.1:6380/0"}
    monkeypatch.setenv("DATABASE_URL", recorded["DATABASE_URL"])
    assert devservices._user_supplied("DATABASE_URL", recorded) is None
    monkeypatch.setenv("DATABASE_URL", "postgres://me@db.example/tika")
    assert devservices._user_supplied("DATABASE_URL", recorded) == "postgres://me@db.example/tika"
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert devservices._user_supplied("REDIS_URL", recorded) is None


def test_importing_the_project_package_loads_no_settings():
    # `python -m portal.devservices` imports `portal` first; settings would copy
    # .data/services.env into the environment and make embedded addresses look like the user's.
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    code = "import os, portal; print(os.environ.get('DATABASE_URL', 'unset'))"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "unset"
