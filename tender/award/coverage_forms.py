"""The form for a decision on one coverage gap."""

from __future__ import annotations

from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tender.award.gaps import MAX_DECISION_LENGTH, MIN_DECISION_LENGTH
from tender.forms import DutchForm


class GapDecisionForm(DutchForm):
    lot = HiddenField(validators=[DataRequired("Onbekend perceel.")])
    municipality = HiddenField(validators=[DataRequired("Onbekende gemeente.")])
    # Empty for a municipality without an awarded provider with a local network.
    target_group = HiddenField(validators=[Optional()])
    decision = TextAreaField(
        "Besluit over dit tekort",
        description=(
            "Bijvoorbeeld 'aanvullende contractering door de RBL' of 'geaccepteerd omdat ...'."
        ),
        validators=[
            DataRequired("Beschrijf het besluit."),
            Length(
                min=MIN_DECISION_LENGTH,
                max=MAX_DECISION_LENGTH,
                message=(
                    f"Beschrijf het besluit in {MIN_DECISION_LENGTH} tot "
                    f"{MAX_DECISION_LENGTH} tekens."
                ),
            ),
        ],
    )
