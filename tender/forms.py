"""The base of every form: CSRF from Flask-WTF, WTForms' own Dutch messages."""

from __future__ import annotations

from flask_wtf import FlaskForm


class DutchForm(FlaskForm):
    class Meta:
        # Built-in messages ("Ongeldige keuze.", "Ongeldige datum.") in Dutch;
        # needs WTF_I18N_ENABLED = False so Flask-WTF defers to WTForms' catalogue.
        locales = ("nl",)
