"""PAdES signatures on the final award documents (issue 12, item 5): a throwaway
certificate signs, pyHanko's validator checks; without one the documents say they
are unsigned; a wrong certificate or password is refused in Dutch."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import award_steps
import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from factories import login, pdf_bytes
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_award import decide_all_gaps
from test_award import scored as scored

from tender import clock, create_app
from tender.accounts.models import User
from tender.award import steps
from tender.award.models import AwardDecision
from tender.documents import pdf, signing
from tender.documents.models import Document
from tender.documents.service import documents_dir, read_document

PASSWORD = "geheim-voor-de-test"


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Testregio"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _throwaway_pki(directory: Path) -> tuple[Path, x509.Certificate]:
    """A root CA and a signing certificate it issued, valid around the wall clock's
    now (signatures carry the real signing time); the key, the certificate and the
    root go into a password-protected PKCS#12 file. Returns the file and the root."""
    start = datetime.now(UTC) - timedelta(days=1)
    end = start + timedelta(days=3)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (
        x509.CertificateBuilder()
        .subject_name(_name("Testregio root"))
        .issuer_name(_name("Testregio root"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("Mr. A. de Wit"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(root_key, hashes.SHA256())
    )
    path = directory / "ondertekening.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"ondertekening",
            key,
            certificate,
            [root],
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    return path, root


def _validate(content: bytes, root: x509.Certificate):  # type: ignore[no-untyped-def]
    """pyHanko's verdict on the document's only signature, trusting ``root`` alone."""
    signatures = PdfFileReader(io.BytesIO(content)).embedded_signatures
    assert len(signatures) == 1
    trusted = asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[trusted], allow_fetching=False)
    # pyHanko's synchronous validator runs its own event loop: in a thread of its own,
    # since the browser tests may leave one running in this thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        status = pool.submit(validate_pdf_signature, signatures[0], context).result()
    return signatures[0], status


def _text(content: bytes) -> str:
    return " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split()
    )


def _stored(app: Flask, session: Session, kind: str) -> list[bytes]:
    storage = documents_dir(app.instance_path)
    items = session.scalars(select(Document).where(Document.kind == kind).order_by(Document.id))
    return [read_document(item, storage_dir=storage) for item in items]


@pytest.fixture
def ready(app: Flask, session: Session, scored, now: datetime):  # type: ignore[no-untyped-def]
    """A scored demo with its gaps decided and a signatory, clock at ``now``."""
    tender, officer = scored
    decide_all_gaps(session, tender, officer, now)
    award_steps.with_signatory(session, tender)
    session.commit()
    clock.set_clock(lambda: now)
    return tender, officer


def test_final_letters_report_and_contracts_carry_a_valid_pades_signature(
    app: Flask, session: Session, ready, now: datetime, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    tender, officer = ready
    p12, root = _throwaway_pki(tmp_path)
    app.config.update(SIGNING_PKCS12=str(p12), SIGNING_PASSWORD=PASSWORD)
    decision = award_steps.decide(session, tender, preparer=officer, now=now)
    session.commit()
    inkoper = app.test_client()
    login(inkoper, officer)
    # A concept is neither signed nor says anything about a signature.
    entry = decision.snapshot["bids"][0]
    concept = inkoper.get(
        f"/aanbestedingen/{tender.id}/gunning/concept/brief/{entry['bid_id']}.pdf"
    ).data
    assert PdfFileReader(io.BytesIO(concept)).embedded_signatures == []
    assert "ondertekend (PAdES)" not in _text(concept)

    award_steps.send_over_http(app, decision)
    session.expire_all()
    letters = _stored(app, session, "award_letter")
    reports = _stored(app, session, "award_report")
    assert len(letters) == len(decision.snapshot["bids"]) and len(reports) == 1
    for content, what in ((letters[0], "Gunningsbeslissing"), (reports[0], "Gunningsadvies")):
        embedded, status = _validate(content, root)
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.bottom_line
        assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
        assert embedded.sig_object["/Reason"] == f"{what} {tender.reference}"
        assert embedded.sig_object["/Name"] == decision.signatory_name
        assert status.md_algorithm == "sha256"
        text = _text(content)
        assert "digitaal ondertekend (PAdES)" in text and "niet digitaal" not in text

    # Changing one byte of the signed part breaks the signature.
    tampered = bytearray(letters[1])
    at = tampered.index(b"/Title")
    tampered[at + 1 : at + 6] = b"Titel"
    _, status = _validate(bytes(tampered), root)
    assert not status.intact

    # The contracts at the definitive award are signed as well.
    clock.set_clock(lambda: now + timedelta(days=40))
    assert inkoper.post(f"/aanbestedingen/{tender.id}/gunning/definitief").status_code == 302
    session.expire_all()
    contracts = _stored(app, session, "contract")
    assert contracts
    embedded, status = _validate(contracts[0], root)
    assert status.intact and status.valid and status.trusted
    assert embedded.sig_object["/Reason"] == f"Raamovereenkomst {tender.reference}"


def test_without_a_certificate_the_final_documents_say_they_are_unsigned(
    app: Flask, session: Session, ready, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    tender, officer = ready
    assert app.config["SIGNING_PKCS12"] is None
    decision = award_steps.decide(session, tender, preparer=officer, now=now)
    session.commit()
    award_steps.send_over_http(app, decision)
    session.expire_all()
    for kind in ("award_letter", "award_report"):
        content = _stored(app, session, kind)[0]
        assert PdfFileReader(io.BytesIO(content)).embedded_signatures == []
        pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages]
        assert all(pdf.UNSIGNED_TEXT in page for page in pages)  # in every page's footer
        assert "digitaal ondertekend (PAdES)" not in " ".join(pages)


def test_a_wrong_password_or_file_stops_the_start_in_dutch(tmp_path: Path) -> None:
    p12, _root = _throwaway_pki(tmp_path)
    instance = str(tmp_path / "instance")
    base = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "TESTING": True}
    with pytest.raises(signing.SigningConfigError, match="wachtwoord \\(SIGNING_PASSWORD\\) is"):
        create_app(
            {**base, "SIGNING_PKCS12": str(p12), "SIGNING_PASSWORD": "fout"},
            instance_path=instance,
        )
    with pytest.raises(signing.SigningConfigError, match="niet te lezen"):
        create_app(
            {**base, "SIGNING_PKCS12": str(tmp_path / "weg.p12"), "SIGNING_PASSWORD": PASSWORD},
            instance_path=instance,
        )
    with pytest.raises(signing.SigningConfigError, match="SIGNING_PKCS12 niet"):
        signing.load_signer({"SIGNING_PASSWORD": PASSWORD})
    not_pkcs12 = tmp_path / "geen.p12"
    not_pkcs12.write_bytes(b"dit is geen certificaat")
    with pytest.raises(signing.SigningConfigError, match="geen PKCS#12-bestand"):
        signing.load_signer({"SIGNING_PKCS12": str(not_pkcs12), "SIGNING_PASSWORD": PASSWORD})
    assert signing.load_signer({}) is None
    signer = signing.load_signer({"SIGNING_PKCS12": str(p12), "SIGNING_PASSWORD": PASSWORD})
    assert signer is not None
    app = create_app(
        {**base, "SIGNING_PKCS12": str(p12), "SIGNING_PASSWORD": PASSWORD}, instance_path=instance
    )
    app.extensions["tender.engine"].dispose()


def test_a_certificate_broken_after_the_start_stops_the_sending_before_any_letter(
    app: Flask, session: Session, ready, now: datetime, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    tender, officer = ready
    p12, _root = _throwaway_pki(tmp_path)
    app.config.update(SIGNING_PKCS12=str(p12), SIGNING_PASSWORD="ooit goed, nu fout")
    decision = award_steps.decide(session, tender, preparer=officer, now=now)
    session.commit()
    approver = session.get(User, decision.approved_by_id)
    client = app.test_client()
    login(client, approver)
    base = f"/aanbestedingen/{tender.id}/gunning"
    assert client.get(f"{base}/verzending").status_code == 200
    sent = client.post(
        f"{base}/verzending",
        data={
            "letters": str(steps.letter_count(decision)),
            "standstill": steps.sending_standstill_end(decision, clock.now()).isoformat(),
            "confirm": "y",
        },
        follow_redirects=True,
    )
    assert "wachtwoord (SIGNING_PASSWORD) is onjuist" in sent.get_data(as_text=True)
    session.expire_all()
    assert _stored(app, session, "award_letter") == []
    assert session.get(AwardDecision, decision.id).letters_sent_at is None


def test_signing_works_while_an_event_loop_runs_in_the_thread(tmp_path: Path) -> None:
    """pyHanko runs its own event loop; the browser tests (and async servers) already run
    one in the thread. Signing must not depend on there being none."""
    import asyncio

    p12, _root = _throwaway_pki(tmp_path)
    signer = signing.load_signer({"SIGNING_PKCS12": str(p12), "SIGNING_PASSWORD": PASSWORD})
    assert signer is not None
    content = pdf_bytes("Gunningsbeslissing")

    async def inside_a_running_loop() -> bytes:
        return signing.sign_pdf(content, signer, reason="Test", name="Test")

    # A thread of its own runs the loop (this thread may already run one).
    with ThreadPoolExecutor(max_workers=1) as pool:
        signed = pool.submit(asyncio.run, inside_a_running_loop()).result()
    assert len(PdfFileReader(io.BytesIO(signed)).embedded_signatures) == 1
