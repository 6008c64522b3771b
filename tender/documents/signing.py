"""PAdES signatures on the final award documents, made with pyHanko.

An instance that has a signing certificate names it in its configuration:
``SIGNING_PKCS12`` (path to a PKCS#12 file with the key and certificate, plus any
intermediate certificates) and ``SIGNING_PASSWORD`` (its password). Neither is
ever in the repository. Without them the documents are not signed, and say so
(``pdf.signature_status``).

The certificate is opened when the app starts (``create_app``), so a wrong path
or password stops the start with a Dutch message instead of failing when the
letters are sent; it is opened again when a document job starts, so a file
changed since the start is noticed before anything is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import Signer

from tender.errors import DomainError

__all__ = ["FIELD_NAME", "Signer", "SigningConfigError", "load_signer", "sign_pdf"]

FIELD_NAME = "Handtekening"


class SigningConfigError(DomainError):
    """The configured signing certificate cannot be used."""


def load_signer(config: Mapping[str, Any]) -> Signer | None:
    """The signer of the configured PKCS#12 file, or None when none is configured.

    Raises ``SigningConfigError`` (Dutch) when the file is missing or unreadable,
    the password is wrong, or a password is set without a file.
    """
    location = config.get("SIGNING_PKCS12")
    password = config.get("SIGNING_PASSWORD")
    if not location:
        if password:
            raise SigningConfigError(
                "SIGNING_PASSWORD is ingesteld, maar SIGNING_PKCS12 niet: geef ook het pad "
                "naar het PKCS#12-bestand met het ondertekeningscertificaat op."
            )
        return None
    path = Path(location)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SigningConfigError(
            f"Het ondertekeningscertificaat (SIGNING_PKCS12) is niet te lezen: {path} "
            f"({error.strerror or error}). Controleer het pad in de configuratie."
        ) from error
    passphrase = password.encode("utf-8") if isinstance(password, str) else password
    try:
        return signers.SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=passphrase)
    except (ValueError, TypeError) as error:
        raise SigningConfigError(
            f"Het ondertekeningscertificaat {path} kan niet worden geopend: het wachtwoord "
            "(SIGNING_PASSWORD) is onjuist of het bestand is geen PKCS#12-bestand met een "
            "sleutel en certificaat."
        ) from error


def sign_pdf(content: bytes, signer: Signer, *, reason: str, name: str) -> bytes:
    """``content`` with a PAdES baseline (B-B) signature added as an incremental update.

    ``reason`` says what is signed (e.g. "Gunningsbeslissing WMO-2026-01"), ``name``
    who signs (the signatory, or the contracting authority).
    """
    writer = IncrementalPdfFileWriter(BytesIO(content))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        name=name,
    )
    # pyHanko's synchronous API runs its own event loop (asyncio.run), which fails in
    # a thread that already runs one (an async server, or Playwright in the tests):
    # sign in a short-lived thread of our own, which never has a loop running.
    with ThreadPoolExecutor(max_workers=1) as pool:
        out = pool.submit(signers.PdfSigner(meta, signer=signer).sign_pdf, writer).result()
    return out.getvalue()
