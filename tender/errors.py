"""Domain errors: a rule was violated; the message is Dutch and says what to fix."""


class DomainError(Exception):
    """A business rule refused the action. ``str(error)`` is shown to the user."""


class NotAllowed(DomainError):
    """The actor may not do this (answers 403 in views)."""
