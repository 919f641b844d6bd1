"""Names for the few statements written as SQL: a model's table and a field's column, quoted
for the current connection, taken from the model (never from a request)."""

from __future__ import annotations

from typing import Any, cast

from django.db import connection
from django.db.models import Field, Model


def table(model: type[Model]) -> str:
    """The model's table, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], field: str) -> str:
    """``table.column`` of one of the model's concrete fields, quoted."""
    found = cast("Field[Any, Any]", model._meta.get_field(field))
    return f"{table(model)}.{connection.ops.quote_name(str(found.column))}"
