"""Forms for opening, requirement checks, the committee, scores and consensus."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tender.forms import DutchForm

REQUIRED = "Dit veld is verplicht."


class AddMemberForm(DutchForm):
    user = SelectField("Beoordelaar", choices=[], validators=[DataRequired(REQUIRED)])
    is_chair = BooleanField("Voorzitter van de commissie")


class DeclarationForm(DutchForm):
    no_conflicts = BooleanField(
        "Ik heb met geen enkele inschrijver een band die mijn oordeel kan beïnvloeden"
    )
    conflict_kvk_numbers = TextAreaField(
        "KvK-nummers van organisaties waarmee u een band heeft",
        description=(
            "Eén KvK-nummer (8 cijfers) per regel: bijvoorbeeld een huidige of vorige werkgever, "
            "een organisatie waar u toezichthouder bent of waar een naaste werkt."
        ),
        validators=[Optional(), Length(max=2000)],
    )
    statement = TextAreaField("Toelichting (optioneel)", validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(
        "Ik verklaar dit naar waarheid en meld het direct als er iets verandert",
        validators=[DataRequired("Bevestig de verklaring.")],
    )


class ScoreForm(DutchForm):
    score = RadioField("Score", coerce=int, validators=[InputRequired("Kies een score.")])
    motivation = TextAreaField("Motivering", validators=[DataRequired(REQUIRED)])


class ConsensusForm(DutchForm):
    criterion_id = HiddenField()
    version = HiddenField()
    score = RadioField("Consensusscore", coerce=int, validators=[InputRequired("Kies een score.")])
    motivation = TextAreaField("Motivering van de commissie", validators=[DataRequired(REQUIRED)])


class OpenConsensusForm(DutchForm):
    reason = TextAreaField(
        "Waarom nu al naar consensus?",
        validators=[DataRequired(REQUIRED), Length(min=10, max=1000)],
    )


class WithholdForm(DutchForm):
    """The inkoper keeps a held-back attachment from the committee; the service checks
    the reason's length (``attachments.MIN_REASON``)."""

    reason = TextAreaField(
        "Reden van weigering", validators=[Length(max=2000, message="Hoogstens 2000 tekens.")]
    )


class ReopenConsensusForm(DutchForm):
    criterion_id = HiddenField()
    version = HiddenField()
    reason = TextAreaField(
        "Reden om te heropenen",
        validators=[
            DataRequired("Geef de reden waarom de consensus wordt heropend."),
            Length(
                min=10,
                max=1000,
                message="Geef een reden van minstens 10 en hoogstens 1000 tekens.",
            ),
        ],
    )
