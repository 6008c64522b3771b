"""Outgoing mail: through the configured SMTP server, or into the outbox folder.

Without ``SMTP_HOST`` every message is written as one ``.eml`` file to
``<instance>/outbox/``, where the inkoper can read it in the app. Every recipient
gets a message of its own, so no provider sees the addresses of the others.
When the SMTP server fails, the messages not yet sent go to the outbox too, so
nothing is lost, and ``MailNotSent`` tells the caller.
"""

from __future__ import annotations

import secrets
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from pathlib import Path
from typing import Any

from tender.timefmt import count_of

OUTBOX = "outbox"
SMTP_TIMEOUT_SECONDS = 30
# A message for its recipient's eyes only (an activation link): the outbox pages
# show that it was sent, never its text.
CONFIDENTIAL_HEADER = "X-Tender-Confidential"
CONFIDENTIAL_NOTICE = (
    "Dit bericht bevat een persoonlijke activeringslink en is alleen voor de ontvanger; "
    "de tekst wordt hier niet getoond."
)


class MailNotSent(Exception):
    """The SMTP server refused or failed; the unsent messages are in the outbox."""

    def __init__(self, unsent: int, cause: Exception) -> None:
        super().__init__(f"{count_of(unsent, 'bericht', 'berichten')} niet verzonden: {cause}")
        self.unsent = unsent
        self.cause = cause


def outbox_dir(instance_path: str) -> Path:
    return Path(instance_path) / OUTBOX


def _enabled(value: Any) -> bool:
    """A setting that may come from the environment as text ('false', '0', 'nee')."""
    if isinstance(value, str):
        return value.strip().lower() not in {"", "0", "false", "no", "nee", "off"}
    return bool(value)


def _message(
    config: Mapping[str, Any],
    *,
    recipient: str,
    subject: str,
    body: str,
    now: datetime,
    confidential: bool = False,
) -> EmailMessage:
    sender = config["MAIL_FROM"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    if confidential:
        message[CONFIDENTIAL_HEADER] = "yes"
    message.set_content(body)
    return message


def _write_to_outbox(instance_path: str, messages: Sequence[EmailMessage], now: datetime) -> None:
    folder = outbox_dir(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    # The UTC timestamp first, so that sorting by name sorts by time.
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    for index, message in enumerate(messages):
        name = f"{stamp}-{index:04d}-{secrets.token_hex(4)}.eml"
        (folder / name).write_bytes(message.as_bytes(policy=policy.SMTP))


def _send_smtp(
    config: Mapping[str, Any], messages: Sequence[EmailMessage]
) -> tuple[int, Exception | None]:
    """Send through SMTP: how many the server took, and the error that stopped it, if any."""
    sent = 0
    try:
        with smtplib.SMTP(
            config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25), timeout=SMTP_TIMEOUT_SECONDS
        ) as smtp:
            if config.get("SMTP_USERNAME"):
                if _enabled(config.get("SMTP_STARTTLS", True)):
                    smtp.starttls()
                smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
            for message in messages:
                smtp.send_message(message)
                sent += 1
    except (smtplib.SMTPException, OSError) as error:
        return sent, error
    return sent, None


def send_mail(
    config: Mapping[str, Any],
    *,
    instance_path: str,
    to: Sequence[str],
    subject: str,
    body: str,
    now: datetime,
    confidential: bool = False,
) -> None:
    """Send ``subject``/``body`` to every address in ``to``, one message each.

    A ``confidential`` message is marked so that the outbox pages never show its body.

    Raises ``MailNotSent`` after writing the messages the SMTP server did not
    take to the outbox.
    """
    if isinstance(to, str):
        raise TypeError("to is a sequence of addresses, not one address")
    messages = [
        _message(
            config,
            recipient=recipient,
            subject=subject,
            body=body,
            now=now,
            confidential=confidential,
        )
        for recipient in dict.fromkeys(to)
    ]
    if not messages:
        return
    if not config.get("SMTP_HOST"):
        _write_to_outbox(instance_path, messages, now)
        return
    sent, error = _send_smtp(config, messages)
    # An error after the last message (e.g. on QUIT) loses nothing.
    if error is not None and sent < len(messages):
        unsent = messages[sent:]
        _write_to_outbox(instance_path, unsent, now)
        raise MailNotSent(len(unsent), error) from error


@dataclass(frozen=True)
class OutboxMessage:
    name: str
    recipient: str
    subject: str
    date: datetime | None
    body: str  # CONFIDENTIAL_NOTICE instead of the text of a confidential message


def _read(path: Path) -> OutboxMessage:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    text = message.get_body(preferencelist=("plain",))
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except ValueError:
        date = None
    return OutboxMessage(
        name=path.name,
        recipient=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        date=date,
        body=(
            CONFIDENTIAL_NOTICE
            if message.get(CONFIDENTIAL_HEADER)
            else (text.get_content() if text is not None else "")
        ),
    )


def outbox_names(instance_path: str) -> list[str]:
    """The names of the messages in the outbox, newest first."""
    folder = outbox_dir(instance_path)
    if not folder.is_dir():
        return []
    return sorted(
        (path.name for path in folder.iterdir() if path.suffix == ".eml" and path.is_file()),
        reverse=True,
    )


def outbox_messages(instance_path: str) -> list[OutboxMessage]:
    """Every message in the outbox, newest first."""
    return [_read(outbox_dir(instance_path) / name) for name in outbox_names(instance_path)]


def outbox_message(instance_path: str, name: str) -> OutboxMessage | None:
    """The message called ``name``, or None.

    The name is looked up in the folder's listing, never joined to a path as
    given, so '../' and the like cannot reach anything outside the outbox.
    """
    if name not in outbox_names(instance_path):
        return None
    return _read(outbox_dir(instance_path) / name)
