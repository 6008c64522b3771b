"""Forms of the bid sections. Lists of checkboxes are read from the request by the views."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Email, Length, Optional, Regexp

from tender.bids.service import NETWORK_KINDS
from tender.forms import DutchForm

REQUIRED = "Dit veld is verplicht."


class OrganisationDetailsForm(DutchForm):
    organisation_name = StringField(
        "Naam organisatie", validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    kvk_number = StringField(
        "KvK-nummer",
        validators=[
            DataRequired(REQUIRED),
            Regexp(r"^\d{8}$", message="Een KvK-nummer bestaat uit precies 8 cijfers."),
        ],
    )
    street_address = StringField(
        "Straat en huisnummer", validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    postcode = StringField(
        "Postcode",
        validators=[
            DataRequired(REQUIRED),
            Regexp(r"^\s*\d{4}\s?[A-Za-z]{2}\s*$", message="Vul een postcode in als 1234 AB."),
        ],
    )
    city = StringField("Plaats", validators=[DataRequired(REQUIRED), Length(max=100)])
    contact_person = StringField(
        "Contactpersoon voor deze inschrijving",
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )
    email = EmailField(
        "E-mailadres contactpersoon",
        validators=[DataRequired(REQUIRED), Email("Vul een geldig e-mailadres in.")],
    )
    phone = StringField("Telefoonnummer", validators=[Optional(), Length(max=30)])
    website = StringField(
        "Website",
        validators=[Optional(), URL(message="Vul een volledig webadres in, met https://.")],
    )


class NetworkPartnerForm(DutchForm):
    municipality = SelectField("Gemeente", choices=[], validators=[DataRequired(REQUIRED)])
    name = StringField(
        "Naam partnerorganisatie", validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    kind = SelectField(
        "Soort organisatie",
        choices=[SelectChoice(kind) for kind in NETWORK_KINDS],
        validators=[DataRequired(REQUIRED)],
    )
    cooperation = TextAreaField(
        "Wat houdt de samenwerking in?",
        description="Bijvoorbeeld: warme overdracht bij afschalen, gezamenlijk spreekuur.",
        validators=[DataRequired(REQUIRED), Length(max=2000)],
    )


class SubcontractorForm(DutchForm):
    name = StringField("Naam onderaannemer", validators=[DataRequired(REQUIRED), Length(max=200)])
    kvk_number = StringField(
        "KvK-nummer onderaannemer",
        validators=[
            DataRequired(REQUIRED),
            Regexp(
                r"^\s*(\d[\s.]?){8}\s*$", message="Een KvK-nummer bestaat uit precies 8 cijfers."
            ),
        ],
    )
    activities = TextAreaField(
        "Welke werkzaamheden voert de onderaannemer uit?",
        validators=[DataRequired(REQUIRED), Length(max=2000)],
    )


class PlanForm(DutchForm):
    text = TextAreaField("Uw plan")
    attachment = FileField("Bijlage (PDF, optioneel)")
