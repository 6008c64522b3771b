"""The form with which the inkoper moves the dates of a published tender."""

from __future__ import annotations

from wtforms import BooleanField, DateField, HiddenField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length

from tender.forms import MomentsForm
from tender.tenders.schedule import MAX_REASON_CHARS

REQUIRED = "Dit veld is verplicht."
MOMENT_REQUIRED = "Vul de datum en de tijd in."


class ScheduleChangeForm(MomentsForm):
    question_deadline_date = DateField(
        "Datum", validators=[DataRequired(MOMENT_REQUIRED)], format="%Y-%m-%d"
    )
    question_deadline_time = TimeField("Tijd", validators=[DataRequired(MOMENT_REQUIRED)])
    submission_deadline_date = DateField(
        "Datum", validators=[DataRequired(MOMENT_REQUIRED)], format="%Y-%m-%d"
    )
    submission_deadline_time = TimeField("Tijd", validators=[DataRequired(MOMENT_REQUIRED)])
    planned_opening_date = DateField(
        "Datum", validators=[DataRequired(MOMENT_REQUIRED)], format="%Y-%m-%d"
    )
    planned_opening_time = TimeField("Tijd", validators=[DataRequired(MOMENT_REQUIRED)])
    reason = TextAreaField(
        "Reden van de wijziging",
        description=(
            "Verplicht. De reden staat in de nota van inlichtingen en in het bericht aan alle "
            f"aanbieders. Maximaal {MAX_REASON_CHARS} tekens."
        ),
        validators=[
            DataRequired(REQUIRED),
            Length(max=MAX_REASON_CHARS, message="Gebruik maximaal %(max)d tekens."),
        ],
    )
    # Set by the server on the confirmation step: the deadline the inkoper confirms,
    # so that ticking the box cannot confirm a different, later typed date.
    confirmed_deadline = HiddenField()
    confirm_shortening = BooleanField("Ja, ik vervroeg de uiterste inschrijfdatum")

    MOMENTS = ("question_deadline", "submission_deadline", "planned_opening")
