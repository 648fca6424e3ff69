"""Many rows in one statement whose text does not depend on how many rows there are.

A batch of a few hundred mails writes thousands of rows. Multi-row
``VALUES`` lists and ``IN (...)`` lists make a new statement text for every
batch size: the driver then re-parses a statement of thousands of
placeholders each time, which cost more CPU than the database spent writing.
Here the rows travel as one JSON document, unpacked by PostgreSQL
(``jsonb_to_recordset``), so the statement is the same every time; ids are
taken from the table's sequence first, so that rows can refer to each other
before they are written.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from uuid import UUID

from sqlalchemy import Table, Text, bindparam, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

_DIALECT = postgresql.dialect()


def insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys, named as the table's columns) in one statement."""
    if rows:
        session.execute(_insert_statement(table, tuple(rows[0])), {"rows": _as_json(rows)})


def update_rows(session: Session, table: Table, rows: list[dict], *, key: str = "id") -> None:
    """Set the columns each row names on the row of ``table`` whose ``key`` it gives, in one statement."""
    if rows:
        session.execute(_update_statement(table, tuple(rows[0]), key), {"rows": _as_json(rows)})


def next_ids(session: Session, table: Table, count: int, column: str = "id") -> list[int]:
    """``count`` new values of the sequence behind ``table.column``, ascending."""
    if count <= 0:
        return []
    return list(session.execute(_ids_statement(table, column), {"count": count}).scalars())


@cache
def _insert_statement(table: Table, columns: tuple[str, ...]):
    names = ", ".join(_quoted(name) for name in columns)
    return text(f"INSERT INTO {_table_name(table)} ({names}) SELECT {names} "
                f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({_record_definition(table, columns)})"
                ).bindparams(bindparam("rows", type_=Text))


@cache
def _update_statement(table: Table, columns: tuple[str, ...], key: str):
    changes = ", ".join(f"{_quoted(name)} = r.{_quoted(name)}" for name in columns if name != key)
    return text(f"UPDATE {_table_name(table)} AS t SET {changes} "
                f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({_record_definition(table, columns)}) "
                f"WHERE t.{_quoted(key)} = r.{_quoted(key)}").bindparams(bindparam("rows", type_=Text))


@cache
def _ids_statement(table: Table, column: str):
    sequence = f"pg_get_serial_sequence('{_table_name(table)}', '{column}')"
    return text(f"SELECT nextval({sequence}) FROM generate_series(1, :count) ORDER BY 1")


def _record_definition(table: Table, columns: tuple[str, ...]) -> str:
    return ", ".join(f"{_quoted(name)} {table.c[name].type.compile(dialect=_DIALECT)}" for name in columns)


def _table_name(table: Table) -> str:
    return f"{table.schema}.{table.name}" if table.schema else table.name


def _quoted(name: str) -> str:
    return _DIALECT.identifier_preparer.quote(name)


def _as_json(rows: list[dict]) -> str:
    return json.dumps(rows, default=_json_value, ensure_ascii=False)


def _json_value(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError("binary columns cannot be written as JSON rows")
    raise TypeError(f"cannot write {type(value).__name__} as a JSON row value")
