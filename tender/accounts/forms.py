"""Forms of the accounts package: shape only; the rules live in the service."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, Optional, Regexp

from tender.accounts.models import ROLE_LABELS, Role
from tender.forms import DutchForm

REQUIRED = "Dit veld is verplicht."
PASSWORD_HINT = (
    "Minstens 12 tekens; geen veelgebruikt wachtwoord en niet uw naam, e-mailadres of de "
    "naam van uw organisatie. Een zin van een paar woorden werkt goed."
)


class LoginForm(DutchForm):
    email = EmailField("E-mailadres", validators=[DataRequired(REQUIRED)])
    password = PasswordField("Wachtwoord", validators=[DataRequired(REQUIRED)])


class RegistrationForm(DutchForm):
    organisation_name = StringField(
        "Naam organisatie", validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    kvk_number = StringField(
        "KvK-nummer",
        description="8 cijfers, zoals vermeld in het Handelsregister.",
        validators=[
            DataRequired(REQUIRED),
            Regexp(
                r"^\s*(\d[\s.]?){8}\s*$", message="Een KvK-nummer bestaat uit precies 8 cijfers."
            ),
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
    phone = StringField("Telefoonnummer", validators=[Optional(), Length(max=30)])
    website = StringField(
        "Website",
        description="Bijvoorbeeld https://www.voorbeeld.nl",
        validators=[Optional(), URL(message="Vul een volledig webadres in, met https://.")],
    )
    contact_person = StringField(
        "Naam contactpersoon", validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    email = EmailField(
        "E-mailadres contactpersoon",
        description="Hiermee logt u in.",
        validators=[DataRequired(REQUIRED), Email("Vul een geldig e-mailadres in.")],
    )
    password = PasswordField(
        "Wachtwoord",
        description=PASSWORD_HINT,
        validators=[
            DataRequired(REQUIRED),
            Length(min=12, message="Kies een wachtwoord van minstens 12 tekens."),
        ],
    )
    password_repeat = PasswordField(
        "Herhaal wachtwoord",
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", message="De wachtwoorden zijn niet gelijk."),
        ],
    )


STAFF_ROLE_CHOICES = [
    SelectChoice(role.value, ROLE_LABELS[role]) for role in Role if role != Role.PROVIDER
]


class UserForm(DutchForm):
    name = StringField("Naam", validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(
        "E-mailadres", validators=[DataRequired(REQUIRED), Email("Vul een geldig e-mailadres in.")]
    )
    role = SelectField(
        "Rol",
        description="De rol inkoper gaat pas in als een andere inkoper die bevestigt.",
        choices=STAFF_ROLE_CHOICES,
        validators=[DataRequired(REQUIRED)],
    )


class NewPasswordForm(DutchForm):
    """A password the user chooses itself (activation link, forced change)."""

    password = PasswordField(
        "Nieuw wachtwoord",
        description=PASSWORD_HINT,
        validators=[
            DataRequired(REQUIRED),
            Length(min=12, message="Kies een wachtwoord van minstens 12 tekens."),
        ],
    )
    password_repeat = PasswordField(
        "Herhaal nieuw wachtwoord",
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", message="De wachtwoorden zijn niet gelijk."),
        ],
    )


class PasswordChangeForm(NewPasswordForm):
    current = PasswordField("Huidig wachtwoord", validators=[DataRequired(REQUIRED)])


class RoleForm(DutchForm):
    role = SelectField(
        "Nieuwe rol",
        description="De rol inkoper gaat pas in als een andere inkoper die bevestigt.",
        choices=STAFF_ROLE_CHOICES,
        validators=[DataRequired(REQUIRED)],
    )


MEMBER_RIGHTS = [
    SelectChoice("lid", "Lid: bewerkt inschrijvingen"),
    SelectChoice("indienen", "Lid dat ook mag indienen en intrekken"),
    SelectChoice("beheerder", "Beheerder van de organisatie"),
]


class MemberInviteForm(DutchForm):
    name = StringField("Naam", validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(
        "E-mailadres",
        description="De uitnodiging met de activeringslink gaat naar dit adres.",
        validators=[
            DataRequired(REQUIRED),
            Email(message="Vul een geldig e-mailadres in."),
            Length(max=254),
        ],
    )
    rights = SelectField("Rechten", choices=MEMBER_RIGHTS[:2], default="lid")


class MemberRightsForm(DutchForm):
    rights = SelectField("Rechten", choices=MEMBER_RIGHTS)
