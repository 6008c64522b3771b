"""Forms for tender set-up."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from tender.forms import DutchForm, MomentsForm

REQUIRED = "Dit veld is verplicht."


class CreateTenderForm(DutchForm):
    criteria_file = SelectField(
        "Criteriabestand uit de map criteria/", choices=[], validate_choice=False
    )
    upload = FileField("Of upload een criteriabestand (.toml)")


class ReplaceConfigurationForm(DutchForm):
    upload = FileField("Nieuwe versie van het criteriabestand (.toml)")


class ScheduleForm(MomentsForm):
    tenderned_reference = StringField(
        "TenderNed-kenmerk",
        description="Het kenmerk van de publicatie op TenderNed; verplicht voor publicatie.",
        validators=[
            Optional(),
            Length(max=60),
            Regexp(r"^[A-Za-z0-9\-/ ]+$", message="Gebruik letters, cijfers, '-' en '/'."),
        ],
    )
    question_deadline_date = DateField(
        "Uiterste datum vragen", validators=[Optional()], format="%Y-%m-%d"
    )
    question_deadline_time = TimeField("Tijd", validators=[Optional()], default=None)
    submission_deadline_date = DateField(
        "Uiterste inschrijfdatum", validators=[Optional()], format="%Y-%m-%d"
    )
    submission_deadline_time = TimeField("Tijd", validators=[Optional()])
    planned_opening_date = DateField("Geplande opening", validators=[Optional()], format="%Y-%m-%d")
    planned_opening_time = TimeField("Tijd", validators=[Optional()])

    MOMENTS = ("question_deadline", "submission_deadline", "planned_opening")


class WithdrawForm(DutchForm):
    reason = TextAreaField(
        "Reden van intrekking",
        description="Deze reden wordt vastgelegd in het logboek.",
        validators=[DataRequired(REQUIRED), Length(max=2000)],
    )


class EmptyForm(DutchForm):
    """A form with only the CSRF token, for buttons that POST."""
