"""The base of every form: CSRF from Flask-WTF, WTForms' own Dutch messages."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm

from tender.timefmt import local_to_utc


class DutchForm(FlaskForm):
    class Meta:
        # Built-in messages ("Ongeldige keuze.", "Ongeldige datum.") in Dutch;
        # needs WTF_I18N_ENABLED = False so Flask-WTF defers to WTForms' catalogue.
        locales = ("nl",)


class MomentsForm(DutchForm):
    """A form with moments typed as a date field and a time field each.

    ``MOMENTS`` names them; field ``<name>_date`` and ``<name>_time`` belong together,
    both filled or both empty, in Europe/Amsterdam.
    """

    MOMENTS: tuple[str, ...] = ()

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        for moment in self.MOMENTS:
            day, time = getattr(self, f"{moment}_date"), getattr(self, f"{moment}_time")
            if (day.data is None) != (time.data is None) and not day.errors and not time.errors:
                missing = time if time.data is None else day
                missing.errors = [*missing.errors, "Vul zowel de datum als de tijd in."]
                valid = False
        return valid

    def moment(self, name: str) -> datetime | None:
        """The typed date and time as a UTC instant, or None when left empty."""
        day, time = getattr(self, f"{name}_date").data, getattr(self, f"{name}_time").data
        if day is None or time is None:
            return None
        return local_to_utc(day, time)
