"""The base of every form: CSRF from Flask-WTF, WTForms' own Dutch messages, and the
checks every text and number field gets whatever the form declares: no NUL or control
characters, a bounded length and a number the database can hold."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Field, FieldList, FormField
from wtforms.fields import (
    BooleanField,
    DecimalField,
    FloatField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length
from wtforms.widgets import Select

from tender.timefmt import local_to_utc, wall_clock_problem

# Characters no one types: C0 controls but tab, line feed and carriage return; DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n]")
# Bounds for fields that declare none: a single line fits the common String(200)
# column, a text area a long motivation; integers fit a 32-bit column.
SINGLE_LINE_MAX = 200
TEXT_AREA_MAX = 20_000
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
DECIMAL_MAX = Decimal(10) ** 9


class LongSelect(Select):
    """WTForms' select for a list of hundreds of options (every bid, every kind of event):
    the same HTML, but a plain option is written by one format call rather than through
    ``html_params``, which was most of the Logboek page's time at 500 bids."""

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{escape(value)}">{label}</option>')


def _fields(form: FlaskForm) -> Iterator[Field]:
    """Every field of the form, nested FormFields and FieldLists included."""
    for field in form:
        if isinstance(field, FormField):
            yield from _fields(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    yield from _fields(entry.form)
                else:
                    yield entry
        else:
            yield field


def _declared_max(field: Field) -> int | None:
    maxima = [v.max for v in field.validators if isinstance(v, Length) and v.max not in (None, -1)]
    return min(maxima) if maxima else None


def text_problem(data: str, *, single_line: bool, limit: int | None) -> str | None:
    """What is wrong with a typed text whatever the form's own rules say: control
    characters, line breaks in a single line, more than ``limit`` characters. Also for
    the few values a view reads from the request itself (no form field of their own)."""
    if _CONTROL.search(data):
        return (
            "Dit veld bevat een onzichtbaar stuurteken. "
            "Typ de tekst opnieuw of plak hem zonder opmaak."
        )
    if single_line and _LINE_BREAK.search(data):
        return "Dit veld is één regel: haal de regeleinden weg."
    if limit is not None and len(data) > limit:
        return f"Gebruik hoogstens {limit:,} tekens (nu {len(data):,}).".replace(",", ".")
    return None


def input_problem(field: Field) -> str | None:
    """What is wrong with the raw value of ``field`` whatever the form's own rules say."""
    data = field.data
    if isinstance(field, StringField) and isinstance(data, str):
        single_line = not isinstance(field, TextAreaField)
        # A declared maximum gives its own message; the default bounds the rest.
        limit = SINGLE_LINE_MAX if single_line else TEXT_AREA_MAX
        problem = text_problem(
            data, single_line=single_line, limit=None if _declared_max(field) else limit
        )
        if problem:
            return problem
    in_range = isinstance(data, int) and INTEGER_MIN <= data <= INTEGER_MAX
    if isinstance(field, IntegerField) and isinstance(data, int) and not in_range:
        return "Vul een kleiner getal in."
    if isinstance(field, (DecimalField, FloatField)) and data is not None:
        value = Decimal(str(data))
        if not value.is_finite() or abs(value) >= DECIMAL_MAX:
            return "Vul een gewoon getal in."
    return None


class DutchForm(FlaskForm):
    class Meta:
        # Built-in messages ("Ongeldige keuze.", "Ongeldige datum.") in Dutch;
        # needs WTF_I18N_ENABLED = False so Flask-WTF defers to WTForms' catalogue.
        locales = ("nl",)

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        for field in _fields(self):
            problem = input_problem(field)
            if problem is not None:
                field.errors = [*field.errors, problem]
                valid = False
        return valid


class MomentsForm(DutchForm):
    """A form with moments typed as a date field and a time field each.

    ``MOMENTS`` names them; field ``<name>_date`` and ``<name>_time`` belong together,
    both filled or both empty, in Europe/Amsterdam.
    """

    MOMENTS: tuple[str, ...] = ()

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        for moment in self.MOMENTS:
            day, time = getattr(self, f"{moment}_date"), getattr(self, f"{moment}_time")
            if (day.data is None) != (time.data is None) and not day.errors and not time.errors:
                missing = time if time.data is None else day
                missing.errors = [*missing.errors, "Vul zowel de datum als de tijd in."]
                valid = False
            elif day.data is not None and time.data is not None and not time.errors:
                problem = wall_clock_problem(day.data, time.data)
                if problem is not None:
                    time.errors = [*time.errors, problem]
                    valid = False
        return valid

    def moment(self, name: str) -> datetime | None:
        """The typed date and time as a UTC instant, or None when left empty."""
        day, time = getattr(self, f"{name}_date").data, getattr(self, f"{name}_time").data
        if day is None or time is None:
            return None
        return local_to_utc(day, time)


NOT_UNDERSTOOD = (
    "Vink eerst aan dat u begrijpt wat deze stap tot gevolg heeft. Er is niets gewijzigd."
)


class ConfirmForm(DutchForm):
    """The button of an irreversible step (publish, submit, withdraw, open, send): the
    box 'Ik begrijp dat ...', naming the consequence, must be ticked. Checked by the
    server, so it works without JavaScript; the macro ``understood`` renders the box."""

    understood = BooleanField(validators=[DataRequired(NOT_UNDERSTOOD)])

    def refusal(self) -> str:
        """Why the step was not taken, in Dutch (for a flash message)."""
        return " ".join(message for errors in self.errors.values() for message in errors)
