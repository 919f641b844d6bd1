"""The Celery app: tenant-aware, reliable for tasks that call an outside service.

A task runs in the schema of whoever enqueued it (tenant-schemas-celery puts the schema in
the message headers). Tasks are tenant tasks unless they say ``tenant_required=False``: one
that arrives without an organization fails loudly instead of running in the public schema.
"""

from __future__ import annotations

import os
from typing import Any

from celery.signals import after_setup_logger, after_setup_task_logger, task_postrun, task_prerun
from django.conf import settings
from django.db import connection, connections
from tenant_schemas_celery.app import CeleryApp, restore_schema
from tenant_schemas_celery.task import TenantTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")


class TenantRequiredError(RuntimeError):
    """A tenant task was sent or run without an organization's schema."""


def _public_schema() -> str:
    from django_tenants.utils import get_public_schema_name

    return get_public_schema_name()


class TikaTask(TenantTask):
    abstract = True
    #: Platform-level tasks (such as the per-organization fan-out) set this to False.
    tenant_required = True

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        if self.tenant_required:
            schema = (options.get("headers") or {}).get("_schema_name", connection.schema_name)  # type: ignore[attr-defined]
            if schema == _public_schema():
                raise TenantRequiredError(
                    f"{self.name} must be sent from inside an organization "
                    "(activate the tenant, or send it through tenants.tasks.for_each_organization)."
                )
        return super().apply_async(args, kwargs, **options)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Runs after tenant-schemas-celery switched the schema from the message headers.
        if self.tenant_required and connection.schema_name == _public_schema():  # type: ignore[attr-defined]
            raise TenantRequiredError(
                f"{self.name} arrived without an organization's schema; refusing to run it "
                "in the public schema."
            )
        from django.utils import timezone

        from tenants.selectors import organization_time_zone

        # What a task writes for people (e-mails) shows times in the organization's zone.
        with timezone.override(organization_time_zone()):
            return super().__call__(*args, **kwargs)


app = CeleryApp("portal", task_cls="portal.celery:TikaTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # tasks.py of each installed app (tenants)
# The verification app keeps the tasks of each room beside its services; every name a service
# enqueues (verification.queue.Task) must be registered here (portal/tests/test_celery.py).
app.autodiscover_tasks(
    [
        "verification.account",
        "verification.attempts",
        "verification.consent",
        "verification.dashboard",
        "verification.employees.imports",
        "verification.invitations",
        "verification.privacy",
    ]
)


@app.on_after_configure.connect
def _reuse_database_connections(sender: CeleryApp, **kwargs: Any) -> None:
    # Celery's Django fix-up reads this un-namespaced key when the worker starts: keep the
    # worker's connection across tasks instead of closing it around each one (CONN_MAX_AGE
    # still applies: see _drop_unusable_database_connections). Done here, not at import, so
    # importing `portal` loads no settings.
    sender.conf.CELERY_DB_REUSE_MAX = settings.CELERY_DB_REUSE_MAX


@after_setup_logger.connect
@after_setup_task_logger.connect
def _scrub_tokens_from_worker_logs(logger: Any = None, **kwargs: Any) -> None:
    # Celery replaces the handlers of settings.LOGGING with its own when a worker or beat
    # starts: they get the same filter, so no link token reaches a worker's log either.
    from portal.logscrub import TokenScrubFilter

    for handler in getattr(logger, "handlers", []):
        if not any(isinstance(f, TokenScrubFilter) for f in handler.filters):
            handler.addFilter(TokenScrubFilter())


@task_prerun.connect
def _drop_unusable_database_connections(sender: Any = None, **kwargs: Any) -> None:
    # With CELERY_DB_REUSE_MAX, Celery no longer closes connections around tasks, and nothing
    # else does what Django does around each request: a connection the server dropped
    # (restart, failover, pg_terminate_backend) would fail every task of this process until
    # the reuse count ran out. Drop it if a task saw it fail, or if it outlived CONN_MAX_AGE;
    # with CONN_HEALTH_CHECKS it is checked before its next use (found by `make faults`).
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # run in the caller's process (.apply()): its connection is the caller's business
    for database in connections.all(initialized_only=True):
        database.close_if_unusable_or_obsolete()


# tenant-schemas-celery switches a worker's connection back to the public schema after every
# task, so the next task, even one of the same organization, began with a `SET search_path`
# round trip (django-tenants forgets the path on every switch). Its prerun switches to each
# task's own schema anyway (and to the public one for a task sent without), so in a worker the
# connection stays where the last task left it. A task run eagerly (``.apply()``) still hands
# the caller's connection back in the schema it found it in.
task_postrun.disconnect(restore_schema, dispatch_uid="tenant_schemas_restore_schema")


@task_postrun.connect(dispatch_uid="tika_restore_schema_after_eager_task")
def _restore_schema_after_eager_task(sender: Any = None, **kwargs: Any) -> None:
    if getattr(getattr(sender, "request", None), "is_eager", False):
        restore_schema(sender)
