"""Web: requests/s and p95 latency of the employee pages through a real server on loopback.

A throw-away organization (``bench.throwaway``) gets 100,000 employees COPYed in (the dashboard
topic's ``seed_employees``), then 300 of them are invited through the real service
(``invitation_create``: a token, its digest, the audit event, and the e-mail, sent in this
process to Django's in-memory outbox). gunicorn (``bench.server.web_server``, DEBUG off) then
serves the project on 127.0.0.1, and the owner signs in over HTTP: the login form, then the
second factor with a backup code made for the run.

The load generator runs in this process, on the same CPUs as the server: ``CONCURRENCY``
connections (asyncio + httpx), each sending its next request as soon as its last one
answered. The requests go round-robin over a fixed cycle (``MIX``): half are an invited
employee's own notice page (``/c/<token>/``, no login, the 300 links in turn), half HR's
directory as the signed-in owner: a search, a filter (department and status) on its second
page, a later page of the whole directory (sorted by name), and an employee's page (which
records an ``employee.viewed`` audit event, as every look does).

* ``web_rps``: responses per second; ``web_p95_ms``: their 95th percentile latency as the
  client measured it (waiting for a server thread included). Per-page p50/p95 in the note.
* ``web_notice_rps`` / ``web_notice_p95_ms``: the employee's notice page alone (``NOTICE``),
  and ``web_directory_rps`` / ``web_directory_p95_ms``: HR's four directory pages alone
  (``DIRECTORY``), each its own mix, so that neither waits behind the other's requests.
* ``web_baseline_rps`` / ``web_baseline_p95_ms`` (baseline): the public landing page, the
  cheapest page through the whole middleware stack (tenant lookup, session, CSP, template),
  same server, same concurrency.

The employee table gets ``VACUUM ANALYZE`` after the COPY, as autovacuum does soon after a
bulk load (without it no index-only scan pays off). After a warm-up, each mix runs
``DURATION_S`` seconds in all, in ``ROUNDS`` turns that alternate with the others', so that
a busy moment of the machine weighs on all. A rate
counts the responses that arrived within the turns.

Any response other than 2xx fails the topic: a benchmark of error pages is worthless. The
per-address limit of the employee pages (``EMPLOYEE_PAGES_RATE``, 600/minute) would turn a
one-address load test into 429s, so the bench server gets a far higher one (the limiter still
runs on every employee page, under a Redis prefix of its own). django-axes only acts on failed
sign-ins, and the sign-up limit only on sign-ups: neither is touched.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test.utils import override_settings
from django_tenants.utils import tenant_context

from bench import Figure
from bench.dashboard import seed_employees
from bench.server import Server, web_server
from bench.throwaway import OWNER_PASSWORD, bench_organization
from portal.celery import app as celery_app
from tenants.models import Organization
from tenants.validators import domain_for
from verification.account.twofactor import backup_codes_generate
from verification.invitations.services import invitation_create
from verification.models import Employee, Invitation, Progress

EMPLOYEES = 100_000
INVITED = 300
CONCURRENCY = 16
WARMUP_S = 3
DURATION_S = 15
ROUNDS = 3  # of DURATION_S / ROUNDS seconds each, the two mixes alternating
# On 2 cores shared with the load generator and PostgreSQL, 2 and 4 sync workers and 2 x 4
# gthread did no better than 3 x 2 gthread (which served the mix fastest in two alternating
# trials); kept fixed so that runs compare.
WORKERS = 3
THREADS = 2
PAGES_RATE = "10000000/minute"

#: One round of the fixed request mix: half the employee's page, half HR's directory.
MIX = ("consent", "search", "consent", "filter", "consent", "detail", "consent", "page")
#: The same pages measured apart: the employee's notice page alone, HR's directory alone.
NOTICE = ("consent",)
DIRECTORY = ("search", "filter", "detail", "page")
SEARCHES = ("Person 4242", "person 1234", "Person 9876", "PERSON 5555", "Person 31415")
LATER_PAGES = (40, 200, 900, 1500)
#: What each kind's page must contain (besides answering 200): the real page, not an error.
MARKERS = {
    "consent": "/agree/",
    "search": "Bench Person",
    "filter": "Bench Person",
    "page": "Bench Person",
    "detail": "Bench Person",
    "landing": "<html",
}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class Request:
    kind: str
    path: str
    headers: tuple[tuple[str, str], ...]  # a tuple, so that a request can be a dict key


@dataclass
class Run:
    """Responses of one mix, over one or more timed slices."""

    seconds: float = 0.0
    #: Responses that arrived within the slices (the tail after a slice's end is not counted
    #: in the rate; its latencies are kept: those requests were sent under full load).
    completed: int = 0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    @property
    def rps(self) -> float:
        return self.completed / self.seconds

    def p95_ms(self, kind: str | None = None) -> float:
        values = self.latencies[kind] if kind else [v for series in self.latencies.values() for v in series]
        return percentile(values, 95) * 1000

    def p50_ms(self, kind: str) -> float:
        return statistics.median(self.latencies[kind]) * 1000


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def invite(count: int) -> list[Invitation]:
    """Invite ``count`` not-yet-invited employees spread over the table, through the service.

    The e-mail task runs eagerly in this process into Django's in-memory outbox: no message
    is left on the broker for a dev worker to pick up after the organization is gone.
    """
    ids = list(
        Employee.objects.filter(is_active=True, progress=Progress.NOT_INVITED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = Employee.objects.filter(pk__in=ids[:: len(ids) // count][:count]).order_by("pk")
    eager = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            invitations = [invitation_create(employee=employee) for employee in chosen]
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = eager
        mail.outbox = []
    sent = Invitation.objects.filter(pk__in=[i.pk for i in invitations], sent_at__isnull=False).count()
    assert len(invitations) == sent == count, (len(invitations), sent, count)
    return invitations


def sign_in(server: Server, host: str, email: str, code: str) -> str:
    """The session cookie of ``email`` after signing in the way a person does, over HTTP.

    The login form (with its CSRF token), then the second factor with a backup code. Minting
    a session server-side would skip the password check, the session key cycling and the
    2FA view, and could drift from what the login really stores; this costs one Argon2 hash.
    """
    with server.client(host) as client:

        def post(path: str, data: dict[str, str]) -> httpx.Response:
            form = client.get(path)
            token = CSRF_INPUT.search(form.text)
            assert form.status_code == 200 and token, (path, form.status_code)
            return client.post(path, data={**data, "csrfmiddlewaretoken": token.group(1)})

        signed = post("/accounts/login/?next=/", {"username": email, "password": OWNER_PASSWORD, "next": "/"})
        assert signed.status_code == 302, f"login: {signed.status_code}"
        verified = post("/account/2fa/verify/?next=/", {"code": code, "next": "/"})
        assert verified.status_code == 302 and verified.headers["location"] == "/", verified.status_code
        session = client.cookies[settings.SESSION_COOKIE_NAME]
        assert client.get("/employees/").status_code == 200
    return session


def page_requests(
    organization: Organization,
    server: Server,
    session: str,
    invitations: Sequence[Invitation],
    mix: Sequence[str] = MIX,
) -> list[Request]:
    """The fixed cycle of requests: ``mix`` repeated until every variant of every kind ran."""
    host = (("Host", f"{domain_for(organization.slug)}:{server.port}"),)
    staff = (*host, ("Cookie", f"{settings.SESSION_COOKIE_NAME}={session}"))
    variants = {
        "consent": [Request("consent", f"/c/{i.token}/", host) for i in invitations],
        "search": [Request("search", f"/employees/?{urlencode({'q': q})}", staff) for q in SEARCHES],
        "filter": [
            Request(
                "filter",
                f"/employees/?{urlencode({'department': f'Department {n:02d}', 'status': 2, 'page': 2})}",
                staff,
            )
            for n in range(0, 10)
        ],
        "page": [Request("page", f"/employees/?page={n}", staff) for n in LATER_PAGES],
        "detail": [Request("detail", f"/employees/{i.employee_id}/", staff) for i in invitations],
    }
    turns = {kind: itertools.cycle(items) for kind, items in variants.items() if kind in mix}
    rounds = max(-(-len(variants[kind]) // mix.count(kind)) for kind in turns)
    return [next(turns[kind]) for _ in range(rounds) for kind in mix]


async def _load(port: int, requests: Iterator[Request], *, seconds: float | None, into: Run) -> None:
    """Send the next of ``requests`` on each of ``CONCURRENCY`` connections as soon as its
    last answer is in, for ``seconds`` (or until ``requests`` runs out, checking each page's
    content); time every response into ``into``. Anything but a 2xx fails the run."""
    errors: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    # No cookie jar: staff requests carry their session cookie themselves and the employee's
    # page is sent without one, as from the employee's own browser.
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60, cookies=no_cookies
    ) as client:
        started = time.perf_counter()
        deadline = started + seconds if seconds is not None else float("inf")

        async def connection() -> None:
            for request in requests:
                sent = time.perf_counter()
                response = await client.get(request.path, headers=list(request.headers))
                arrived = time.perf_counter()
                into.latencies[request.kind].append(arrived - sent)
                into.completed += arrived <= deadline
                if not 200 <= response.status_code < 300:
                    errors[f"{request.kind} {response.status_code}"] += 1
                elif seconds is None and MARKERS[request.kind] not in response.text:
                    errors[f"{request.kind} without {MARKERS[request.kind]!r}"] += 1
                if arrived >= deadline:
                    return

        await asyncio.gather(*(connection() for _ in range(CONCURRENCY)))
        into.seconds += min(time.perf_counter(), deadline) - started
    if errors:
        raise AssertionError(f"non-2xx or wrong responses: {dict(errors)}")


def load(
    server: Server, requests: Iterator[Request], *, seconds: float | None, into: Run | None = None
) -> Run:
    run = into if into is not None else Run()
    asyncio.run(_load(server.port, requests, seconds=seconds, into=run))
    return run


def seed(organization: Organization) -> tuple[list[Invitation], str, str]:
    """The pages' data in ``organization``: EMPLOYEES employees, INVITED of them invited (their
    invitations returned), and the owner's username with one of their backup codes, for signing
    in over HTTP."""
    with tenant_context(organization):
        seed_employees(organization.schema_name, EMPLOYEES)
        invitations = invite(INVITED)
        owner = User.objects.get(username=f"owner@{organization.slug}.example")
        code = backup_codes_generate(owner)[0]
        # What autovacuum does to a table soon after a bulk load (its insert threshold):
        # without it the visibility map is empty and no index-only scan pays off, which
        # no organization that has had its employees for a minute would see.
        table = f"{connection.ops.quote_name(organization.schema_name)}.verification_employee"
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return invitations, owner.username, code


def run() -> list[Figure]:
    with bench_organization() as organization:
        invitations, username, code = seed(organization)
        env = {
            "EMPLOYEE_PAGES_RATE": PAGES_RATE,
            # Fresh counters: a dev server on the same Redis keeps its own for 127.0.0.1.
            "RATE_LIMIT_PREFIX": f"tika-rl-bench-{secrets.token_hex(4)}",
        }
        with web_server(workers=WORKERS, threads=THREADS, env=env) as server:
            session = sign_in(server, domain_for(organization.slug), username, code)
            pages = page_requests(organization, server, session, invitations)
            landing = [Request("landing", "/", (("Host", f"{settings.BASE_DOMAIN}:{server.port}"),))]
            # Every URL once, its content checked (each link's first opening, which records
            # it, happens here), then a warm-up of each mix.
            load(server, iter([*dict.fromkeys(pages), *landing]), seconds=None)
            mixes = {
                "landing": itertools.cycle(landing),
                "mix": itertools.cycle(pages),
                "notice": itertools.cycle(page_requests(organization, server, session, invitations, NOTICE)),
                "directory": itertools.cycle(
                    page_requests(organization, server, session, invitations, DIRECTORY)
                ),
            }
            for turns in mixes.values():
                load(server, turns, seconds=WARMUP_S)
            # The mixes take turns, so that a busy moment of the machine weighs on all.
            runs = {name: Run() for name in mixes}
            for _ in range(ROUNDS):
                for name, turns in mixes.items():
                    load(server, turns, seconds=DURATION_S / ROUNDS, into=runs[name])
    baseline, measured, notice, directory = runs["landing"], runs["mix"], runs["notice"], runs["directory"]

    kinds = ", ".join(
        f"{kind} {measured.p50_ms(kind):.0f}/{measured.p95_ms(kind):.0f}" for kind in dict.fromkeys(MIX)
    )
    directory_kinds = ", ".join(
        f"{kind} {directory.p50_ms(kind):.0f}/{directory.p95_ms(kind):.0f}" for kind in DIRECTORY
    )
    setup = (
        f"{EMPLOYEES:,} employees, {INVITED} invited; gunicorn {WORKERS} workers x {THREADS} threads, "
        f"{CONCURRENCY} connections, {DURATION_S} s ({ROUNDS} turns) after warm-up, "
        f"EMPLOYEE_PAGES_RATE={PAGES_RATE}; "
        "the load generator (asyncio + httpx, this process) shares the CPUs with the server"
    )
    landing_note = (
        "GET / of the public site: same server, connections and duration, alternating with the mixes"
    )

    def landing_rps() -> Figure:
        return Figure("web_baseline_rps", baseline.rps, "req/s", "higher", note=landing_note)

    def landing_p95() -> Figure:
        return Figure("web_baseline_p95_ms", baseline.p95_ms(), "ms", "lower")

    return [
        Figure(
            key="web_rps",
            value=measured.rps,
            unit="req/s",
            better="higher",
            baseline=landing_rps(),
            note=f"mix {'/'.join(MIX)} round-robin; {setup}",
        ),
        Figure(
            key="web_p95_ms",
            value=measured.p95_ms(),
            unit="ms",
            better="lower",
            baseline=landing_p95(),
            note=f"client-side latency; p50/p95 ms per page: {kinds}",
        ),
        Figure(
            key="web_notice_rps",
            value=notice.rps,
            unit="req/s",
            better="higher",
            baseline=landing_rps(),
            note="the notice page /c/<token>/ alone (no cookie, 300 links in turn); target >= 0.5x",
        ),
        Figure(
            key="web_notice_p95_ms",
            value=notice.p95_ms(),
            unit="ms",
            better="lower",
            baseline=landing_p95(),
            note=f"p50 {notice.p50_ms('consent'):.0f} ms; target within 2x of the landing page's",
        ),
        Figure(
            key="web_directory_rps",
            value=directory.rps,
            unit="req/s",
            better="higher",
            baseline=landing_rps(),
            note=f"HR's directory alone, {'/'.join(DIRECTORY)} round-robin, signed in; target >= 0.3x",
        ),
        Figure(
            key="web_directory_p95_ms",
            value=directory.p95_ms(),
            unit="ms",
            better="lower",
            baseline=landing_p95(),
            note=f"p50/p95 ms per page: {directory_kinds}; target within 3x of the landing page's",
        ),
    ]
