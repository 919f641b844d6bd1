"""Which staff roles may use which pages of an organization's site."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from tenants.members import Role, member_role

View = Callable[..., HttpResponse]


# Any view (streaming ones too): the decorator keeps its type.
AnyView = TypeVar("AnyView", bound=Callable[..., HttpResponseBase])


# Adding employees and inviting them by e-mail.
EMPLOYEE_MANAGERS: tuple[Role, ...] = (Role.OWNER, Role.HR_ADMIN)


# The role is looked up once per request, however many checks and templates ask for it.
_ROLE_ATTR = "_tika_staff_role"


def request_role(request: HttpRequest) -> Role | None:
    """The signed-in user's role in this organization (None: anonymous or no role)."""
    if not request.user.is_authenticated:
        return None
    if not hasattr(request, _ROLE_ATTR):
        setattr(request, _ROLE_ATTR, member_role(request.user))  # type: ignore[arg-type]
    role: Role | None = getattr(request, _ROLE_ATTR)
    return role


def role_required(*roles: Role) -> Callable[[AnyView], AnyView]:
    """Only staff with one of ``roles`` may use the view: anonymous users are sent to sign in,
    other staff get 403."""
    allowed = frozenset(roles)

    def decorator(view: AnyView) -> AnyView:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request_role(request) not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return cast(AnyView, login_required(checked))

    return decorator


class StaffAccess:
    """What the signed-in user may do, for templates (``staff_access.can_manage_employees``).

    Nothing is looked up until a template asks.
    """

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def role(self) -> Role | None:
        return request_role(self._request)

    @property
    def can_manage_employees(self) -> bool:
        return self.role in EMPLOYEE_MANAGERS

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


OWNERS = (Role.OWNER,)
