"""Forms for the steps of the award decision and its revision."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tender.forms import DutchForm

REQUIRED = "Dit veld is verplicht."


class ReviewForm(DutchForm):
    verdict = RadioField(
        "Uw oordeel",
        choices=[
            SelectChoice("approve", "Goedkeuren: het advies kan als besluit worden voorgelegd"),
            SelectChoice("return", "Terugsturen naar de opsteller, met een reden"),
        ],
        validators=[InputRequired("Kies goedkeuren of terugsturen.")],
    )
    reason = TextAreaField(
        "Reden van terugsturen",
        description="Nodig bij terugsturen: wat moet de opsteller nakijken of wijzigen?",
        validators=[Optional(), Length(max=4000)],
    )


class DecisionForm(DutchForm):
    decided_on = DateField(
        "Datum van het besluit", validators=[InputRequired("Vul de datum van het besluit in.")]
    )
    body = StringField(
        "Orgaan dat het besluit nam",
        description="Bijvoorbeeld: het college van burgemeester en wethouders van Houten",
        validators=[DataRequired(REQUIRED), Length(max=300)],
    )
    mandate = StringField(
        "Mandaat",
        description="Bijvoorbeeld: namens de gemeenten van de regio Lekstroom",
        validators=[DataRequired(REQUIRED), Length(max=300)],
    )


class SendForm(DutchForm):
    letters = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    standstill = HiddenField(validators=[InputRequired()])
    confirm = BooleanField(
        "Ik begrijp dat alle inschrijvers de brieven nu ontvangen, dat de opschortende "
        "termijn dan begint en dat verzenden niet terug te draaien is",
        validators=[
            DataRequired(
                "Vink eerst aan dat u begrijpt wat verzenden tot gevolg heeft. "
                "Er is niets verzonden."
            )
        ],
    )


class WithdrawForm(DutchForm):
    reason = TextAreaField(
        "Reden van intrekking",
        description="Bijvoorbeeld de uitspraak in kort geding of het gegronde bezwaar.",
        validators=[DataRequired(REQUIRED), Length(min=10, max=4000)],
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RevisionForm(DutchForm):
    bids = MultiCheckboxField(
        "Inschrijvingen", coerce=int, validators=[DataRequired("Kies minstens één inschrijving.")]
    )
    criteria = MultiCheckboxField(
        "Criteria", validators=[DataRequired("Kies minstens één criterium.")]
    )
    reason = TextAreaField(
        "Waarom opnieuw beoordelen?",
        validators=[DataRequired(REQUIRED), Length(min=10, max=4000)],
    )


class StrengthsForm(DutchForm):
    """One textarea per winning bid, named ``text_<bid id>`` (see ``strengths_form``)."""

    def texts(self) -> dict[str, str]:
        """The typed text per bid id (as a string)."""
        return {
            name.removeprefix("text_"): field.data or ""
            for name, field in self._fields.items()
            if name.startswith("text_")
        }


def strengths_form(labels: dict[str, str], *, minimum: int, maximum: int) -> StrengthsForm:
    """A form with a textarea per winner; ``labels`` maps bid id to the field's label."""

    class Form(StrengthsForm):
        pass

    for key, label in labels.items():
        setattr(
            Form,
            f"text_{key}",
            TextAreaField(
                label,
                validators=[
                    DataRequired(REQUIRED),
                    Length(
                        min=minimum,
                        max=maximum,
                        message=f"Gebruik minstens {minimum} en hoogstens {maximum} tekens "
                        "(nu %(length)d).",
                    ),
                ],
            ),
        )
    return Form()
