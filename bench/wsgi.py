"""The app as gunicorn serves it in the benchmark, with two bench-only endpoints.

- ``GET /_bench/bare``: one ``SELECT 1`` and a short text; the baseline every page
  is divided by.
- ``POST /_bench/insert``: one row inserted and committed; the baseline of the
  deadline rush.

Every response says how many SQL statements the request issued
(``X-Bench-Statements``). These routes exist only in this module, which only the
benchmark loads: the app itself (``tender.create_app``) never has them.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, has_app_context, request
from sqlalchemy import Column, Integer, MetaData, Table, Text, event, insert, text

from tender import create_app
from tender.extensions import csrf

app = create_app()
engine = app.extensions["tender.engine"]

bench_metadata = MetaData()
bench_insert = Table(
    "bench_insert",
    bench_metadata,
    Column("id", Integer, primary_key=True),
    Column("payload", Text, nullable=False),
)
with engine.begin() as _connection:
    # Several gunicorn workers import this module at once: one creates the table.
    if _connection.dialect.name == "postgresql":
        _connection.execute(text("SELECT pg_advisory_xact_lock(7300413)"))
    bench_metadata.create_all(_connection)


@event.listens_for(engine, "before_cursor_execute")
def _count(*_args: Any) -> None:
    if has_app_context() and "bench_statements" in g:
        g.bench_statements += 1


@app.before_request
def _start_counting() -> None:
    g.bench_statements = 0


@app.after_request
def _report_count(response: Response) -> Response:
    response.headers["X-Bench-Statements"] = str(g.get("bench_statements", 0))
    return response


@app.get("/_bench/bare")
def bare() -> str:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return "ok"


@csrf.exempt
@app.post("/_bench/insert")
def bare_insert() -> str:
    with engine.begin() as connection:
        connection.execute(insert(bench_insert).values(payload=request.get_data(as_text=True)))
    return "ok"
