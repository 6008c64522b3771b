"""The Logboek's long select lists write exactly what WTForms' own select writes."""

from __future__ import annotations

from flask import Flask
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from tender.forms import LongSelect
from tender.tenders.forms import AuditFilterForm

CHOICES = [
    SelectChoice("", "Alle inschrijvingen"),
    SelectChoice("INS-1", 'Inschrijving <1> & "2"'),
    SelectChoice("a&b\"<c>'", "plain"),
    SelectChoice("zonder-label"),
    SelectChoice(True, "ja"),
    SelectChoice("attr", "met attributen", render_kw={"data-x": "1", "disabled": True}),
]


def _html(widget: Select, chosen: object) -> str:
    class Picked(Form):
        which = SelectField(choices=CHOICES, default="", widget=widget)

    form = Picked(data={"which": chosen})
    return str(form.which()) + str(form.which(class_="wide", **{"aria-describedby": "hint"}))


def test_the_long_select_writes_the_same_html_as_wtforms_select() -> None:
    for chosen in ("", "INS-1", "a&b\"<c>'", True, "attr", "absent"):
        assert _html(LongSelect(), chosen) == _html(Select(), chosen), chosen
    assert '<option selected value="INS-1">Inschrijving &lt;1&gt; &amp; &#34;2&#34;</option>' in (
        _html(LongSelect(), "INS-1")
    )


def test_the_audit_filter_uses_it_for_its_long_lists(app: Flask) -> None:
    with app.test_request_context():
        form = AuditFilterForm(meta={"csrf": False})
    assert isinstance(form.action.widget, LongSelect)
    assert isinstance(form.bid.widget, LongSelect)
