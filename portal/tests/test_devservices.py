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
