"""What `flask criteria check` passes works all the way; what it refuses names a line.

Hypothesis writes criteria files (TOML text) around the valid shape: typical
values, values on the edge of every bound the check knows (texts as long as their
database column, the largest integers, the smallest weights, the longest
standstill, a minimum total of exactly 100, unicode), and in about half of the
files one value just past such a bound. For every file:

- refused: every message carries the line of the file it is about;
- accepted: the demo imports it, publishes it, lets two providers bid, opens,
  scores and awards it (letters sent), and every page of the tender, its coverage
  and its award answers the inkoper with 200, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from factories import login
from flask import Flask
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from tender import clock, demo
from tender.accounts.models import User
from tender.criteria import CriteriaError, load_criteria_text
from tender.models import Base
from tender.tenders.models import (
    Criterion,
    Lot,
    Municipality,
    Product,
    ScaleLevel,
    TargetGroup,
    Tender,
)

Draw = Callable[[st.SearchStrategy[Any]], Any]


def _length(table: type[Base], name: str) -> int:
    length = table.__table__.c[name].type.length  # type: ignore[attr-defined]
    assert isinstance(length, int)
    return length


# --- TOML writing ----------------------------------------------------------------

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def toml_string(value: str) -> str:
    """A TOML basic string; control characters as \\u escapes, so the TOML stays valid."""
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_value(value: object) -> str:
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Decimal):
        return str(value).lower() if value != value.to_integral_value() else str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return str(value)


def table(header: str, fields: dict[str, object]) -> str:
    lines = [header] + [f"{key} = {toml_value(value)}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"


# --- Strategies --------------------------------------------------------------------

# Printable text in any script, never empty after stripping.
_UNICODE = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12
).map(lambda tail: "A" + tail)


def words(count: int) -> str:
    return " ".join(["zorg", "wijk", "inwoner", "plan", "netwerk"][i % 5] for i in range(count))


class FileMaker:
    """Draws one criteria file; ``broken`` names the one field that is drawn past its
    bound (or None: every field is typical or on the edge but inside it)."""

    def __init__(self, draw: Draw, broken: str | None) -> None:
        self.draw = draw
        self.broken = broken

    def pick(self, name: str, valid: st.SearchStrategy[Any], invalid: list[Any]) -> Any:
        if name == self.broken:
            return self.draw(st.sampled_from(invalid))
        return self.draw(valid)

    def text(self, name: str, typical: str, limit: int | None) -> str:
        edges: list[Any] = [st.just(typical), _UNICODE]
        invalid: list[Any] = ["ab\x00cd", "ab\x07cd"]
        if limit is not None:
            edges.append(st.just("x" * limit))
            invalid += ["y" * (limit + 1), "twee\nregels"]
        else:
            edges.append(st.just(words(400)))
        return self.pick(name, st.one_of(*edges), invalid)


FIELDS = (
    "reference", "title", "court", "label", "description", "municipality", "group_code",
    "lot_name", "requirement", "question", "criterion_title", "product_name", "unit",
    "signatory", "minimum_total", "standstill_days", "spread_flag", "score", "weight",
    "minimum", "max_words", "min_providers", "max_awards", "estimated", "tariff",
    "start_date", "initial_years", "extension_years", "notice_months",
)  # fmt: skip

SCALES = ([0, 2, 4, 6, 8, 10], [1, 2, 3, 4, 5], [1, 4, 6, 8, 10], [0, 50, 100], [0, 1])


@st.composite
def criteria_files(draw: Draw) -> str:
    maker = FileMaker(draw, draw(st.one_of(st.none(), st.sampled_from(FIELDS))))
    mode = draw(st.sampled_from(["threshold", "ranked"]))
    scores = list(draw(st.sampled_from(SCALES)))
    if maker.broken == "score":
        scores[-1] = draw(st.sampled_from([101, 2**31, 2**64]))
    top = scores[-1]

    reference = maker.pick(
        "reference",
        st.sampled_from(["PBT-1", "R" * _length(Tender, "reference")]),
        ["R" * (_length(Tender, "reference") + 1)],
    )
    out = ["format = 1\n"]
    out.append(
        table(
            "[tender]",
            {
                "reference": reference,
                "title": maker.text("title", "Inkoop Wmo", _length(Tender, "title")),
                "region": "Regio Proef",
                "contracting_authority": "Gemeente Proef",
                "procedure": "SAS",
                "award_mode": mode,
                "minimum_total": maker.pick(
                    "minimum_total",
                    st.sampled_from([Decimal(0), Decimal(55), Decimal("99.999"), Decimal(100)]),
                    [Decimal("100.001"), Decimal(150), Decimal("0.0001"), 2**64],
                ),
                "standstill_days": maker.pick(
                    "standstill_days", st.sampled_from([20, 90]), [91, 10**6, 2**64]
                ),
                "spread_flag": maker.pick("spread_flag", st.just(1), [top + 1, 2**63]),
                "court": maker.text("court", "Rechtbank Proef", _length(Tender, "court")),
            },
        )
    )
    label_limit = _length(ScaleLevel, "label")
    # Always there: an award decision cannot be recorded without a signatory.
    out.append(
        table(
            "[signatory]",
            {
                "name": maker.text("signatory", "P. Roef", _length(Tender, "signatory_name")),
                "function": "wethouder",
            },
        )
    )
    levels = ",\n".join(
        f"  {{ score = {score}, "
        f"label = {toml_string(maker.text('label', f'niveau {score}', label_limit))}, "
        f"description = {toml_string(maker.text('description', 'Omschrijving.', None))} }}"
        for score in scores
    )
    out.append(f"[scale]\nlevels = [\n{levels},\n]\n")
    for code, name in (("0321", "Houten"), ("0353", "IJsselstein"))[: draw(st.integers(1, 2))]:
        name = maker.text("municipality", name, _length(Municipality, "name"))
        out.append(table("[[municipalities]]", {"code": code, "name": name}))
    group_limit = _length(TargetGroup, "code")
    group_code = maker.pick(
        "group_code", st.sampled_from(["PG", "G" * group_limit]), ["G" * (group_limit + 1)]
    )
    out.append(table("[[target_groups]]", {"code": group_code, "name": "Doelgroep"}))
    out.append(table("[[target_groups]]", {"code": "PSY", "name": "Psychiatrie"}))
    for number in range(1, draw(st.integers(1, 2)) + 1):
        estimated = maker.pick(
            "estimated",
            st.sampled_from([Decimal(1000000), Decimal("999999999999.99")]),
            [Decimal(10**12), Decimal("1000.005")],
        )
        out.append(
            table(
                "[[lots]]",
                {
                    "code": f"P{number}",
                    "name": maker.text("lot_name", f"Perceel {number}", _length(Lot, "name")),
                    "min_providers_per_cell": maker.pick(
                        "min_providers", st.sampled_from([1, 2, 100]), [101, 2**40]
                    ),
                    "max_awards": maker.pick(
                        "max_awards", st.sampled_from([1, 1000]), [1001, 2**63]
                    )
                    if mode == "ranked"
                    else 0,
                    "estimated_value_eur": estimated,
                    "maximum_value_eur": estimated,
                },
            )
        )
    for number in range(1, draw(st.integers(0, 2)) + 1):
        out.append(
            table(
                "[[requirements]]",
                {
                    "code": f"E{number}",
                    "title": "Eis",
                    "text": maker.text("requirement", "De inschrijver voldoet.", None),
                    "evidence": draw(st.sampled_from(["required", "optional", "none"])),
                },
            )
        )
    for number in range(1, draw(st.integers(1, 3)) + 1):
        out.append(
            table(
                "[[criteria]]",
                {
                    "code": f"G{number}",
                    "title": maker.text(
                        "criterion_title", f"Criterium {number}", _length(Criterion, "title")
                    ),
                    "question": maker.text("question", "Beschrijf uw aanpak.", None),
                    "aspects": [draw(_UNICODE)],
                    "weight": maker.pick(
                        "weight",
                        st.sampled_from(
                            [Decimal(25), Decimal("0.001"), Decimal("99999.999"), Decimal(1)]
                        ),
                        [Decimal("0.0004"), Decimal("0.0001"), Decimal(100000), 2**70],
                    ),
                    "minimum": maker.pick(
                        "minimum", st.sampled_from(scores), [top + 1, 2**31, 2**64]
                    ),
                    "max_words": maker.pick(
                        "max_words", st.sampled_from([1, 300, 100_000]), [100_001, 2**64]
                    ),
                },
            )
        )
    initial = maker.pick("initial_years", st.sampled_from([1, 2, 4]), [5, 10**6])
    out.append(
        table(
            "[contract]",
            {
                "initial_years": initial,
                "extension_years": maker.pick(
                    "extension_years",
                    st.sampled_from([[], [1] * (4 - initial)]),
                    [[1, 1, 1, 1], [2**40]],
                ),
                "notice_months": maker.pick(
                    "notice_months", st.sampled_from([0, 3, 24]), [25, 10**12]
                ),
            },
        ).rstrip("\n")
        + "\nstart_date = "
        + maker.pick(
            "start_date",
            st.sampled_from(["2022-07-01", "2000-01-01", "2099-12-31"]),
            ["1999-12-31", "2100-01-01", "9999-12-31"],
        )
        + "\n"
    )
    for number in range(1, draw(st.integers(0, 2)) + 1):
        out.append(
            table(
                "[[products]]",
                {
                    "code": f"02A{number}",
                    "name": maker.text("product_name", "Begeleiding", _length(Product, "name")),
                    "unit": maker.text("unit", "maand", _length(Product, "unit")),
                    "tariff_eur": maker.pick(
                        "tariff",
                        st.sampled_from([Decimal("346.67"), Decimal("9999999999.99")]),
                        [Decimal(10**10), Decimal("0.001")],
                    ),
                },
            )
        )
    return "\n".join(out)


# --- The pipeline ------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href.split("#")[0])


def _links(html: str, prefix: str) -> Iterator[str]:
    parser = _Links()
    parser.feed(html)
    for href in parser.hrefs:
        if href.startswith(prefix) and not re.search(r"\.(pdf|zip|xlsx|csv|toml)$", href):
            yield href


def _empty_tables(app: Flask) -> None:
    engine = app.extensions["tender.engine"]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            connection.execute(sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for each in reversed(Base.metadata.sorted_tables):
                connection.execute(each.delete())


def _run_through(app: Flask, text: str, folder: Path, now: datetime) -> None:
    """Import, publish, bid, open, score, award and send; then every page answers 200."""
    path = folder / "proef.toml"
    path.write_text(text, encoding="utf-8")
    session: Session = app.extensions["tender.sessionmaker"]()
    try:
        result = demo.build(
            session,
            criteria_path=path,
            bids=2,
            now=now,
            instance_path=app.instance_path,
            phase="sent",
        )
        session.commit()
        tender_id = result.tender.id
        officer = session.query(User).filter_by(email="inkoper@demo.example").one()
        client = app.test_client()
        login(client, officer)
        prefix = f"/aanbestedingen/{tender_id}"
        start = [prefix, f"{prefix}/dekking", f"{prefix}/gunning", f"{prefix}/gunning/rapport"]
        seen: set[str] = set()
        queue = list(start)
        while queue:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url)
            assert response.status_code in (200, 302), (url, response.status_code, text)
            if url in start:
                assert response.status_code == 200, (url, text)
            if url in start and response.mimetype == "text/html":
                queue += _links(response.get_data(as_text=True), prefix)
        assert len(seen) > len(start)
    finally:
        session.close()


@settings(
    max_examples=12,
    deadline=None,
    database=None,
    # An example takes seconds: shrinking would take minutes. The failing file is
    # printed whole, with the assertion that names the page or the message.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(text=criteria_files())
def test_checked_file_runs_through_to_the_award_or_names_its_line(
    app: Flask, tmp_path: Path, now: datetime, text: str
) -> None:
    try:
        load_criteria_text(text, source="proef.toml")
    except CriteriaError as error:
        event("refused")
        assert error.errors
        line_count = text.count("\n") + 1
        for message in error.numbered():
            found = re.match(r"regel (\d+): ", message)
            assert found and 1 <= int(found[1]) <= line_count, (message, text)
        return
    event("accepted: imported, published, bid, scored and awarded")
    _empty_tables(app)
    clock.set_clock(lambda: now)
    _run_through(app, text, tmp_path, now)
