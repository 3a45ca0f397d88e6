"""Hand-written SQL for the few queries every page view runs.

The ORM spends more time building a query (a third of a millisecond to several, with
subqueries) than SQLite or PostgreSQL spend running it: on the inbox, building its queries cost
more than the rest of the page. The queries here are written out once, as SQL, and their rows
come back as model instances with every value converted exactly as the ORM converts it (dates
on SQLite, booleans, JSON). Use this only for a query on a hot path whose shape never changes;
everywhere else the ORM reads better. Each query has a test that it returns what the ORM
query it replaces returns.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper

type Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


class Columns[M: models.Model]:
    """A model's columns in a SELECT list, under a table alias, and its instances back from
    the values of a row in that order."""

    def __init__(self, model: type[M], alias: str) -> None:
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]

    def __len__(self) -> int:
        return len(self.fields)

    def select(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{quote(self.alias)}.{quote(field.column)}" for field in self.fields)

    def load(self, values: Sequence[Any]) -> M:
        converted = [
            convert_value(value, field) for value, field in zip(values, self.fields, strict=True)
        ]
        return self.model.from_db(connection.alias, self.attnames, converted)


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[models.Model], field_name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field_name).column)


def db_value(model: type[models.Model], field_name: str, value: Any) -> Any:
    """A value as the ORM would send it for this field (an aware datetime as SQLite stores
    it, for one)."""
    return model._meta.get_field(field_name).get_db_prep_value(value, connection)


def is_storable_pk(model: type[models.Model], value: int) -> bool:
    """Whether the value could be one of the model's primary keys: a number from a URL beyond
    its column's range finds no row (the ORM's lookups say so too) rather than failing."""
    low, high = connection.ops.integer_field_range(model._meta.pk.get_internal_type())
    return (low is None or value >= low) and (high is None or value <= high)


def convert_value(value: Any, field: models.Field[Any, Any]) -> Any:
    """A value read from the database, as the ORM gives it for that field."""
    expression, converters = _converters(field, connection.vendor)
    for converter in converters:
        value = converter(value, expression, connection)
    return value


def converted_datetime(value: Any, model: type[models.Model], field_name: str) -> datetime | None:
    """An annotation read by hand (a subquery's date), converted as the field it comes from."""
    return convert_value(value, model._meta.get_field(field_name))  # type: ignore[no-any-return]


@cache
def _converters(field: models.Field[Any, Any], vendor: str) -> tuple[Any, tuple[Converter, ...]]:
    """The column, and the backend's converters for the field then the field's own (the
    compiler's order)."""
    del vendor  # part of the cache key: a process may use one backend, tests another
    expression = field.get_col(field.model._meta.db_table)
    converters = (
        *connection.ops.get_db_converters(expression),
        *field.get_db_converters(connection),
    )
    return expression, converters


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
