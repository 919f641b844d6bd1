"""Dashboard: the real view over 100,000 employees, beside the same numbers in one raw query.

A throw-away organization (``bench.throwaway``) gets 100,000 employees, COPYed straight into its
``verification_employee`` table with varied progress, status, department and location (some
departments and locations deliberately small, so merging into "Other" is exercised; mobiles
are NULL; verified rows by either way to verify), and 90 daily snapshots. Then:

- ``dashboard_ms``: median wall time of ``GET /`` through ``django.test.Client`` on the
  organization's host (the whole middleware stack: tenant, session, auth, role), signed in as
  the owner, DEBUG off;
- ``dashboard_queries``: the queries that request makes;
- ``dashboard_raw_sql_ms`` (baseline): median time of one hand-written SQL query computing
  the same aggregates (totals per bucket, per department, per location, per way to verify).

Targets: <= 10 queries, and within 2x of the raw query.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_tenants.utils import tenant_context

from bench import Figure, timed
from bench.throwaway import bench_organization
from tenants.validators import domain_for
from verification.models import DailySnapshot

EMPLOYEES = 100_000
RUNS = 25
WARMUP_RUNS = 3
SEED = 20261127

# (progress, vaccination status, weight)
MIX = (
    ("verified", 2, 40),
    ("verified", 1, 10),
    ("verified", 0, 5),
    ("invited", None, 15),
    ("consented", None, 3),
    ("declined", None, 6),
    ("withdrawn", None, 2),
    ("failed", None, 2),
    ("not_invited", None, 17),
)

COLUMNS = (
    "code",
    "full_name",
    "email",
    "mobile",
    "mobile_last4",
    "mobile_digest",
    "department",
    "location",
    "is_active",
    "progress",
    "vaccination_status",
    "status_method",
    "created_at",
    "updated_at",
)

RAW_SQL = """
SELECT GROUPING(department) AS by_department, GROUPING(location) AS by_location,
       GROUPING(status_method) AS by_method, department, location, status_method,
       count(*) FILTER (WHERE progress = 'verified' AND vaccination_status = 2) AS fully,
       count(*) FILTER (WHERE progress = 'verified' AND vaccination_status = 1) AS partially,
       count(*) FILTER (WHERE progress = 'verified' AND vaccination_status = 0) AS not_vaccinated,
       count(*) FILTER (WHERE progress IN ('invited', 'consented')) AS pending,
       count(*) FILTER (WHERE progress = 'declined') AS declined,
       count(*) FILTER (WHERE progress = 'withdrawn') AS withdrawn,
       count(*) FILTER (WHERE progress = 'failed') AS failed,
       count(*) FILTER (WHERE progress = 'not_invited') AS not_invited,
       count(*) FILTER (WHERE progress = 'consented') AS consented
FROM verification_employee
WHERE is_active
GROUP BY GROUPING SETS ((), (department), (location), (status_method))
"""


def _departments(rng: random.Random) -> list[str]:
    # 30 real-sized departments and 12 tiny ones (1-4 people): the tiny ones merge into "Other".
    return [f"Department {i:02d}" for i in range(30)] + [f"Tiny team {i:02d}" for i in range(12)]


def seed_employees(schema: str, count: int = EMPLOYEES) -> None:
    rng = random.Random(SEED)  # noqa: S311  (repeatable bench data, not secrets)
    departments = _departments(rng)
    big = departments[:30]
    tiny = departments[30:]
    locations = [f"City {i:02d}" for i in range(20)] + ["Remote island", ""]
    mix = [(progress, status) for progress, status, _ in MIX]
    weights = [weight for _, _, weight in MIX]
    now = timezone.now()
    table = f"{connection.ops.quote_name(schema)}.verification_employee"
    tiny_left = {name: rng.randint(1, 4) for name in tiny}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for n in range(count):
                progress, status = rng.choices(mix, weights)[0]
                department = next((name for name, left in tiny_left.items() if left), None)
                if department is not None:
                    tiny_left[department] -= 1
                else:
                    department = (
                        big[min(int(rng.paretovariate(1.2)) - 1, len(big) - 1)] if n % 3 else rng.choice(big)
                    )
                location = (
                    locations[-1]
                    if n % 97 == 0
                    else "Remote island"
                    if n % 25_000 == 0
                    else rng.choice(locations[:20])
                )
                copy.write_row(
                    (
                        f"B{n:06d}",
                        f"Bench Person {n}",
                        f"person{n}@bench.example",
                        None,
                        "",
                        "",
                        department,
                        location,
                        n % 50 != 0,  # 2% inactive
                        progress,
                        status,
                        ("kycvs" if n % 3 else "certificate") if progress == "verified" else "",
                        now,
                        now,
                    )
                )
        cursor.execute(f"ANALYZE {table}")


def seed_snapshots(days: int = 90) -> None:
    rng = random.Random(SEED)  # noqa: S311  (repeatable bench data, not secrets)
    today = timezone.localdate()
    rows = []
    for offset in range(days):
        fully = int(EMPLOYEES * 0.4 * (days - offset) / days)
        counts = {
            "fully": fully,
            "partially": rng.randint(5000, 10000),
            "not_vaccinated": rng.randint(3000, 5000),
            "pending": rng.randint(10000, 20000),
            "declined": rng.randint(3000, 6000),
            "withdrawn": rng.randint(500, 2000),
            "failed": rng.randint(500, 2000),
            "not_invited": max(0, EMPLOYEES - fully - 40000),
            "consented": rng.randint(1000, 3000),
            "active": EMPLOYEES,
        }
        rows.append(DailySnapshot(date=today - timedelta(days=offset), counts=counts))
    DailySnapshot.objects.bulk_create(rows)


def _medians_ms(*actions: Callable[[], None], runs: int = RUNS) -> list[float]:
    """Median wall time of each action; the actions take turns, so that whatever else the
    machine is doing weighs on all of them alike."""
    for _ in range(WARMUP_RUNS):
        for action in actions:
            action()
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(runs):
        for index, action in enumerate(actions):
            times[index].append(timed(action)[0])
    return [statistics.median(series) * 1000 for series in times]


def run() -> list[Figure]:
    with bench_organization() as organization:
        with tenant_context(organization):
            seed_employees(organization.schema_name)
            seed_snapshots()
            owner = User.objects.get(username=f"owner@{organization.slug}.example")
        client = Client(HTTP_HOST=domain_for(organization.slug))
        with tenant_context(organization):
            client.force_login(owner)
            # Owners pass two-factor sign-in before any staff page (a device made for the run).
            device, _ = StaticDevice.objects.get_or_create(
                user=owner, name="bench", defaults={"confirmed": True}
            )
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

        def view() -> None:
            response = client.get("/")
            assert response.status_code == 200, response.status_code
            assert b"dashboard-data" in response.content

        def raw() -> None:
            # The view switches the connection to the organization's schema by itself; the
            # raw query names the schema's table through the same search_path.
            with tenant_context(organization), connection.cursor() as cursor:
                cursor.execute(RAW_SQL)
                cursor.fetchall()

        with override_settings(DEBUG=False):
            view_ms, raw_ms = _medians_ms(view, raw)
            with CaptureQueriesContext(connection) as captured:
                view()
            queries = len(captured)
        connection.set_schema_to_public()  # type: ignore[attr-defined]

    note = f"{EMPLOYEES:,} employees, 90 snapshots, median of {RUNS} (after {WARMUP_RUNS} warm-up)"
    return [
        Figure(
            key="dashboard_ms",
            value=view_ms,
            unit="ms",
            better="lower",
            baseline=Figure(
                key="dashboard_raw_sql_ms",
                value=raw_ms,
                unit="ms",
                better="lower",
                note="the same aggregates in one hand-written SQL query (GROUPING SETS + FILTER)",
            ),
            note=f"GET / through the whole middleware stack; {note}; target within 2x of the raw query",
        ),
        Figure(
            key="dashboard_queries",
            value=queries,
            unit="queries",
            better="lower",
            note="queries of one GET / (target <= 10, flat in the number of employees)",
        ),
    ]
