"""Forms for questions, answers and publishing a nota van inlichtingen."""

from __future__ import annotations

from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from tender.forms import DutchForm
from tender.qa.service import MAX_ANSWER_CHARS, MAX_QUESTION_CHARS

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
