"""Factories of the platform's rows (factory_boy), made through the same services the product
uses, so that every row is exactly what the product would make: an organization through
``organization_create`` (schema cloned from the template), a member of its staff through
``member_create`` (with a role).

``TenantFactory`` is the base of every factory of rows inside one organization's schema: pass
``org`` (an ``OrgFixture``) to make the row there, or make it inside ``schema_context``. Make
rows with ``XFactory.create(...)`` (typed: it returns the model's instance).
"""

from __future__ import annotations

from typing import Any, TypeVar

import factory
from django.contrib.auth.models import User
from django_tenants.utils import schema_context

from tenants.members import Role, member_create
from tenants.models import Organization
from tenants.services import organization_create

T = TypeVar("T")


class TenantFactory(factory.Factory[T]):
    """Rows of one organization: made in ``org``'s schema when given, else in the active one."""

    class Meta:
        abstract = True

    org = None

    @classmethod
    def _create(cls, model_class: type, *args: Any, org: Any = None, **kwargs: Any) -> Any:
        if org is None:
            return cls._make(model_class, **kwargs)
        with schema_context(org.schema_name):
            return cls._make(model_class, **kwargs)

    @classmethod
    def _make(cls, model_class: Any, **kwargs: Any) -> Any:
        """The row itself (a plain INSERT unless a factory says otherwise)."""
        return model_class.objects.create(**kwargs)


class StaffUserFactory(TenantFactory[User]):
    """A member of the organization's staff with one ``role``, as the team page makes one
    (``member_create``: signs in by e-mail, in the role's group). Without an ``email`` it is
    ``<role>@<org slug>.example``."""

    class Meta:
        model = User

    role = Role.VIEWER
    email = factory.LazyAttribute(lambda o: f"{Role(o.role).value}@{o.org.slug}.example")
    full_name = factory.LazyAttribute(lambda o: f"{Role(o.role).label} Person")
    password = "irrelevant-pass-42"

    @classmethod
    def _make(cls, model_class: Any, **kwargs: Any) -> User:
        return member_create(**kwargs)


class OrganizationFactory(factory.Factory[Organization]):
    """An organization provisioned as sign-up does (``organization_create``): "Kappa" at
    ``kappa``, owned by "K" <k@kappa.example>. The caller removes it (``organization_drop``)
    when the test does not run in a transaction."""

    class Meta:
        model = Organization

    slug = factory.Sequence(lambda n: f"org{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    owner_name = factory.LazyAttribute(lambda o: o.slug[0].upper())
    owner_email = factory.LazyAttribute(lambda o: f"{o.slug[0]}@{o.slug}.example")
    owner_password = "x"

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Organization:
        return organization_create(**kwargs)
