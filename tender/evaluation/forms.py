"""Forms for opening, requirement checks, the committee, scores and consensus."""

from __future__ import annotations

from collections.abc import Mapping

from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tender.evaluation.service import Answer
from tender.forms import DutchForm

REQUIRED = "Dit veld is verplicht."


class AddMemberForm(DutchForm):
    user = SelectField("Beoordelaar", choices=[], validators=[DataRequired(REQUIRED)])
    is_chair = BooleanField("Voorzitter van de commissie")


class DeclarationForm(DutchForm):
    """Statement and confirmation; the answers per organisation are read by ``posted_answers``
    (one radio group and explanation per bidding organisation, keyed by its KvK number)."""

    statement = TextAreaField("Toelichting (optioneel)", validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(
        "Ik verklaar dit naar waarheid en meld het direct als er iets verandert",
        validators=[DataRequired("Bevestig de verklaring.")],
    )


ANSWER_PREFIX = "antwoord-"
EXPLANATION_PREFIX = "toelichting-"


def posted_answers(formdata: Mapping[str, str]) -> dict[str, Answer]:
    """Every answer posted, by KvK number, whether or not that number belongs to a bidder
    (the service refuses an unknown one rather than dropping it)."""
    answers = {}
    for key, value in formdata.items():
        if key.startswith(ANSWER_PREFIX) and value in ("geen", "band"):
            kvk = key.removeprefix(ANSWER_PREFIX)
            answers[kvk] = Answer(
                band=value == "band",
                explanation=formdata.get(EXPLANATION_PREFIX + kvk, "")[:2000],
            )
    return answers


class LaterConflictForm(DutchForm):
    organisation = SelectField(
        "Organisatie waarmee u een band heeft", choices=[], validators=[DataRequired(REQUIRED)]
    )
    explanation = TextAreaField(
        "Toelichting op de band",
        description="Bijvoorbeeld een huidige of vorige werkgever, toezicht of een naaste die "
        "er werkt.",
        validators=[DataRequired(REQUIRED), Length(max=2000)],
    )


class RemoveFromBidForm(DutchForm):
    bid = SelectField("Inschrijving", choices=[], validators=[DataRequired(REQUIRED)])
    reason = TextAreaField("Reden", validators=[DataRequired(REQUIRED), Length(min=10, max=2000)])


class RemoveMemberForm(DutchForm):
    reason = TextAreaField(
        "Reden (nodig als het lid al scores gaf; die worden terzijde gelegd)",
        validators=[Optional(), Length(max=2000)],
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
