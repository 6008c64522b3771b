"""Forms for questions, answers and publishing a nota van inlichtingen."""

from __future__ import annotations

from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tender.forms import DutchForm
from tender.qa.service import MAX_ANSWER_CHARS, MAX_POSITION, MAX_QUESTION_CHARS

REQUIRED = "Dit veld is verplicht."
NO_SECTION = ""


class QuestionForm(DutchForm):
    section = SelectField(
        "Onderdeel van de aanbesteding",
        description="Optioneel: over welk onderdeel gaat uw vraag?",
        choices=[],
    )
    text = TextAreaField(
        "Uw vraag",
        description=(
            "Noem uw organisatie niet in de vraag: de vraag wordt geanonimiseerd gepubliceerd "
            f"in de nota van inlichtingen. Maximaal {MAX_QUESTION_CHARS} tekens."
        ),
        validators=[
            DataRequired(REQUIRED),
            Length(max=MAX_QUESTION_CHARS, message="Gebruik maximaal %(max)d tekens."),
        ],
    )

    def set_sections(self, sections: list[str]) -> None:
        self.section.choices = [(NO_SECTION, "Geen specifiek onderdeel")] + [
            (label, label) for label in sections
        ]


def _section_field() -> SelectField:
    return SelectField(
        "Onderdeel (onderwerp)",
        description="De nota ordent de vragen per onderdeel, in de volgorde van deze lijst.",
        choices=[],
    )


def _position_field() -> IntegerField:
    return IntegerField(
        "Volgorde binnen het onderdeel",
        description=(
            f"Een getal van 1 tot en met {MAX_POSITION}; lager komt eerder. Leeg: achteraan, "
            "op alfabet. De nummers in de nota volgen onderdeel en volgorde, niet wie of "
            "wanneer iemand de vraag stelde."
        ),
        validators=[
            Optional(),
            NumberRange(
                min=1, max=MAX_POSITION, message="Vul een geheel getal van %(min)s tot %(max)s in."
            ),
        ],
    )


class _Sections:
    section: SelectField

    def set_sections(self, sections: list[str]) -> None:
        self.section.choices = [(NO_SECTION, "Geen specifiek onderdeel")] + [
            (label, label) for label in sections
        ]


class EditQuestionForm(_Sections, DutchForm):
    section = _section_field()
    position = _position_field()
    text = TextAreaField(
        "Vraag zoals gepubliceerd",
        description=(
            "Pas de formulering aan, bijvoorbeeld om de vraag te anonimiseren. De oorspronkelijke "
            "tekst blijft bewaard in het logboek en wordt nooit aan aanbieders getoond. "
            f"Maximaal {MAX_QUESTION_CHARS} tekens."
        ),
        validators=[
            DataRequired(REQUIRED),
            Length(max=MAX_QUESTION_CHARS, message="Gebruik maximaal %(max)d tekens."),
        ],
    )


class OwnQuestionForm(_Sections, DutchForm):
    section = _section_field()
    position = _position_field()
    text = TextAreaField(
        "Vraag",
        description=f"Maximaal {MAX_QUESTION_CHARS} tekens.",
        validators=[
            DataRequired(REQUIRED),
            Length(max=MAX_QUESTION_CHARS, message="Gebruik maximaal %(max)d tekens."),
        ],
    )
    answer = TextAreaField(
        "Antwoord",
        description=f"Maximaal {MAX_ANSWER_CHARS} tekens.",
        validators=[
            DataRequired(REQUIRED),
            Length(max=MAX_ANSWER_CHARS, message="Gebruik maximaal %(max)d tekens."),
        ],
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MergeForm(DutchForm):
    into = RadioField(
        "Vraag die blijft",
        coerce=int,
        validators=[InputRequired("Kies de vraag die blijft en wordt beantwoord.")],
    )
    duplicates = MultiCheckboxField(
        "Samenvoegen met",
        coerce=int,
        validators=[DataRequired("Kies ten minste één vraag om samen te voegen.")],
    )

    def set_questions(self, ids: list[int]) -> None:
        self.into.choices = [(i, str(i)) for i in ids]
        self.duplicates.choices = [(i, str(i)) for i in ids]


class AnswerForm(DutchForm):
    answer = TextAreaField(
        "Antwoord",
        description=(
            "Het antwoord blijft een concept tot de nota van inlichtingen wordt gepubliceerd."
        ),
        validators=[
            DataRequired(REQUIRED),
            Length(max=MAX_ANSWER_CHARS, message="Gebruik maximaal %(max)d tekens."),
        ],
    )


class PublishRoundForm(DutchForm):
    """Publishing answers moves no date: that is ``tender.tenders.schedule``'s own action."""
