"""Forms for tender set-up."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from pathlib import Path

from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from tender.audit_trail import LogFilter
from tender.bids.uploads import checked_filename
from tender.errors import DomainError
from tender.forms import ConfirmForm, DutchForm, LongSelect, MomentsForm
from tender.timefmt import format_size, local_to_utc

REQUIRED = "Dit veld is verplicht."
MAX_CRITERIA_BYTES = 1024 * 1024
# Text may hold tabs and line breaks; other control characters mean a binary file.
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CriteriaUploadRefused(DomainError):
    pass


def criteria_upload(filename: str | None, raw: bytes) -> tuple[str, str]:
    """(name, text) of an uploaded criteria file, or a Dutch refusal saying what to fix.

    ``raw`` is what was read of the upload, at most one byte past the limit. The file
    must be UTF-8 text (a byte-order mark is allowed) without binary characters; the
    name is a label checked like an upload's (``tender.bids.uploads``).
    """
    try:
        name = checked_filename(Path(filename or "upload.toml").name)
    except DomainError as error:
        raise CriteriaUploadRefused(str(error)) from None
    if len(raw) > MAX_CRITERIA_BYTES:
        raise CriteriaUploadRefused(
            f"Het criteriabestand '{name}' is groter dan {format_size(MAX_CRITERIA_BYTES)}. "
            "Een criteriabestand is tekst van enkele tientallen KB; kies het juiste bestand."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CriteriaUploadRefused(
            f"Het criteriabestand '{name}' is geen UTF-8-tekst (regel {line}). Sla het in uw "
            "teksteditor op als ‘UTF-8’ en upload het opnieuw."
        ) from None
    binary = _BINARY.search(text)
    if binary is not None:
        line = text[: binary.start()].count("\n") + 1
        raise CriteriaUploadRefused(
            f"Het criteriabestand '{name}' bevat binaire tekens (regel {line}, teken "
            f"U+{ord(binary.group()):04X}); het is geen TOML-tekstbestand. Kies het juiste "
            "bestand of verwijder die tekens."
        )
    return name, text


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


class WithdrawForm(ConfirmForm):
    reason = TextAreaField(
        "Reden van intrekking",
        description="Deze reden wordt vastgelegd in het logboek.",
        validators=[DataRequired(REQUIRED), Length(max=2000)],
    )


class SignatoryForm(DutchForm):
    """Who signs the award decisions: it may change until the definitive award."""

    name = StringField(
        "Naam",
        description="Bijvoorbeeld: mr. J. de Vries.",
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )
    function = StringField(
        "Functie",
        description="Bijvoorbeeld: wethouder Zorg en Welzijn, namens de regio.",
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )


class EmptyForm(DutchForm):
    """A form with only the CSRF token, for buttons that POST."""


class AuditFilterForm(DutchForm):
    """The Logboek's filters, read from the query string (GET, no CSRF token)."""

    class Meta:
        csrf = False

    # The fields that stay while bids are sealed.
    SEALED_FIELDS = ("since", "until", "page")

    actor = StringField(
        "Wie",
        description="E-mailadres of een deel ervan.",
        validators=[Optional(), Length(max=254)],
    )
    action = SelectField(
        "Wat", choices=[SelectChoice("", "Alle gebeurtenissen")], default="", widget=LongSelect()
    )
    bid = SelectField(
        "Inschrijving",
        choices=[SelectChoice("", "Alle inschrijvingen")],
        default="",
        widget=LongSelect(),
    )
    since = DateField("Vanaf datum", validators=[Optional()], format="%Y-%m-%d")
    until = DateField("Tot en met datum", validators=[Optional()], format="%Y-%m-%d")
    page = IntegerField(
        "Pagina",
        validators=[Optional(), NumberRange(min=1, message="Kies pagina 1 of hoger.")],
    )

    EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        for day in (self.since, self.until):
            if day.data is not None and not self.EARLIEST <= day.data <= self.LATEST:
                day.errors = [*day.errors, "Kies een datum tussen 2000 en 2099."]
                valid = False
        since, until = self.since.data, self.until.data
        if valid and since is not None and until is not None and since > until:
            self.until.errors = ["Kies een einddatum op of na de begindatum."]
            valid = False
        return valid

    def log_filter(self) -> LogFilter:
        """The filter as a query: whole days in Europe/Amsterdam, as UTC instants."""
        since, until = self.since.data, self.until.data
        return LogFilter(
            actor=(self.actor.data or "").strip(),
            action=self.action.data or "",
            bid_id=int(self.bid.data) if self.bid.data else None,
            since=local_to_utc(since, time()) if since else None,
            until=local_to_utc(until + timedelta(days=1), time()) if until else None,
        )
