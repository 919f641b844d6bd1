"""Where one request of each page of the ``web`` topic spends its time: ``python -m bench.profile``.

The same data as ``bench.web`` (a bench organization with 100,000 employees COPYed in, some of
them invited through the service), the same requests (an employee's notice page, HR's search,
filter, later page and employee detail, the landing page), through ``django.test.Client`` and
the whole middleware stack with DEBUG off; the owner signs in through the login form and a
backup code, as in ``bench.web``, and the employee table gets ``VACUUM ANALYZE`` as there.
Each page is requested once to warm up, ``REPEATS`` times timed (the median is reported),
once with its queries and Redis commands counted, and ``PROFILED`` times under pyinstrument.
The connection is put back on the public schema between requests, so each pays its switch to
the organization, as a server thread's first request for it does. Reported per page:

* database queries (how many, their summed time by the query log, the slowest ones' SQL);
* Redis round trips (every command redis-py sends, by command name);
* the shares of view code (queries included), template rendering, middleware and the rest,
  tenant lookup, session and audit writes, read from the profile.

The summary, each page's queries (``<page>.sql.txt``) and its pyinstrument text tree (and
session, for ``pyinstrument --load``) go to ``bench/out/profile/``. Not part of
``make bench`` (a profile is a diagnosis, not a figure).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import django

OUT_DIR = Path(__file__).resolve().parent / "out" / "profile"
INVITED = 20
REPEATS = 15
PROFILED = 10


@contextmanager
def redis_counted() -> Iterator[Counter[str]]:
    """Count the commands redis-py sends (a pipeline counts as one round trip)."""
    import redis.client

    counts: Counter[str] = Counter()
    original = redis.client.Redis.execute_command
    original_pipe = redis.client.Pipeline.execute

    def counted(self: Any, *args: Any, **options: Any) -> Any:
        counts[str(args[0])] += 1
        return original(self, *args, **options)

    def counted_pipe(self: Any, *args: Any, **options: Any) -> Any:
        counts["PIPELINE"] += 1
        return original_pipe(self, *args, **options)

    redis.client.Redis.execute_command = counted  # type: ignore[method-assign]
    redis.client.Pipeline.execute = counted_pipe  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        redis.client.Redis.execute_command = original  # type: ignore[method-assign]
        redis.client.Pipeline.execute = original_pipe  # type: ignore[method-assign]


def frames_total(session: Any, needles: tuple[str, ...]) -> float:
    """Seconds spent in frames whose function or file matches one of ``needles`` (outermost only)."""
    root = session.root_frame()

    def walk(frame: Any) -> float:
        if frame is None:
            return 0.0
        name = f"{frame.function} {frame.file_path_short or ''}"
        if any(needle in name for needle in needles):
            return float(frame.time)
        return sum(walk(child) for child in frame.children)

    return walk(root)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    # As the bench server runs: DEBUG off, so templates are compiled once (cached loader).
    os.environ["DEBUG"] = "false"
    django.setup()
    import logging

    logging.getLogger().setLevel(logging.WARNING)

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from pyinstrument import Profiler

    from bench.throwaway import OWNER_PASSWORD, bench_organization, database_guard
    from bench.web import CSRF_INPUT, seed
    from tenants.validators import domain_for

    database_guard()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    with bench_organization() as organization, override_settings(DEBUG=False):
        invitations, username, code = seed(organization)
        host = domain_for(organization.slug)
        staff = Client(HTTP_HOST=host)

        def post(path: str, data: dict[str, str]) -> Any:
            form = staff.get(path)
            token = CSRF_INPUT.search(form.content.decode())
            assert form.status_code == 200 and token, (path, form.status_code)
            return staff.post(path, data={**data, "csrfmiddlewaretoken": token.group(1)})

        signed = post("/accounts/login/?next=/", {"username": username, "password": OWNER_PASSWORD})
        assert signed.status_code == 302, signed.status_code
        assert post("/account/2fa/verify/?next=/", {"code": code, "next": "/"}).status_code == 302
        employee_client = Client(HTTP_HOST=host)
        landing_client = Client(HTTP_HOST=settings.BASE_DOMAIN)
        pages = [
            ("landing", landing_client, "/"),
            ("notice", employee_client, f"/c/{invitations[0].token}/"),
            ("search", staff, "/employees/?q=Person+4242"),
            ("filter", staff, "/employees/?department=Department+03&status=2&page=2"),
            ("page", staff, "/employees/?page=900"),
            ("detail", staff, f"/employees/{invitations[1].employee_id}/"),
        ]
        for kind, client, path in pages:
            # Warm-up (first opening of a link records it; caches of compiled templates fill).
            assert client.get(path).status_code == 200, (kind, path)
            connection.set_schema_to_public()  # type: ignore[attr-defined]
            if kind in ("notice", "landing"):
                client.cookies.clear()  # as in bench.web: the employee's browser sends no cookie
            # Plain timings first (no profiler, no query log), then one request counted
            # (queries with their time, Redis commands), then one under the profiler.
            walls = []
            for _ in range(REPEATS):
                if kind in ("notice", "landing"):
                    client.cookies.clear()
                started = time.perf_counter()
                client.get(path)
                walls.append(time.perf_counter() - started)
                connection.set_schema_to_public()  # type: ignore[attr-defined]
            if kind in ("notice", "landing"):
                client.cookies.clear()
            with CaptureQueriesContext(connection) as capture, redis_counted() as redis_calls:
                response = client.get(path)
            queries = capture.captured_queries  # now: the next request clears the log
            assert response.status_code == 200, (kind, response.status_code)
            connection.set_schema_to_public()  # type: ignore[attr-defined]
            if kind in ("notice", "landing"):
                client.cookies.clear()
            # Several requests in one profile: one alone is a few hundred samples, noise.
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(PROFILED):
                if kind in ("notice", "landing"):
                    client.cookies.clear()
                client.get(path)
                connection.set_schema_to_public()  # type: ignore[attr-defined]
            profiler.stop()
            session = profiler.last_session
            root = session.root_frame() if session is not None else None
            assert session is not None and root is not None, kind
            profiled = float(root.time)
            sql_s = sum(float(q["time"]) for q in queries)
            slowest = sorted(queries, key=lambda q: -float(q["time"]))[:4]
            view = frames_total(session, ("/views/", "portal/views", "tenants/views"))
            shares = {
                "view (own code, queries)": view - frames_total(session, ("render_to_string",)),
                "templates": frames_total(session, ("render_to_string",)),
                "middleware and the rest": profiled - view,
                "  of which tenant lookup": frames_total(session, ("django_tenants/middleware",)),
                "  of which session": frames_total(session, ("sessions/backends",)),
                "audit writes": frames_total(session, ("verification/audit.py", "verification/events.py")),
            }
            lines.append(
                f"{kind} {path.split('?')[0] if kind == 'notice' else path}: "
                f"median {statistics.median(walls) * 1000:.1f} ms of {REPEATS}; "
                f"{len(queries)} queries, {sql_s * 1000:.0f} ms by the query log; "
                f"Redis {sum(redis_calls.values())} round trips {dict(redis_calls)}"
            )
            lines.append(
                "    profile: "
                + ", ".join(f"{k} {v / profiled:.0%}" for k, v in shares.items())
                + f" (of {profiled * 1000 / PROFILED:.1f} ms a request under the profiler, {PROFILED} runs)"
            )
            for q in slowest:
                lines.append(f"    {float(q['time']) * 1000:4.0f} ms  {' '.join(q['sql'].split())[:150]}")
            (OUT_DIR / f"{kind}.sql.txt").write_text(
                "".join(f"{float(q['time']) * 1000:4.0f} ms  {' '.join(q['sql'].split())}\n" for q in queries)
            )
            text = profiler.output_text(unicode=True, color=False, show_all=False)
            (OUT_DIR / f"{kind}.txt").write_text(text)
            session.save(str(OUT_DIR / f"{kind}.pyisession"))
        connection.set_schema_to_public()  # type: ignore[attr-defined]
    summary = "\n".join(lines)
    (OUT_DIR / "summary.txt").write_text(summary + "\n")
    print(summary)
    print(f"\nWritten to {OUT_DIR}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
