"""Dossier folders 02 and 03: the bids as submitted, and the requirement checks.

Folder 02 holds, per bid the scope may see, the version that counts: a readable PDF,
its canonical form exactly as the receipt's SHA-256 covers it (so anyone can hash the
JSON file and compare), the receipt of every submission, and every attached file as
received (read back from storage and checked against its digest). Folder 03 holds
the inkoper's verdict on every requirement; the record of opening itself is a stored
document that the assembler adds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from xml.sax.saxutils import escape

from flask import current_app
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender.accounts.models import User
from tender.bids import uploads
from tender.bids.models import Bid
from tender.bids.receipts import receipt_pdf
from tender.bids.service import canonical_json
from tender.bids.submitted import SubmittedBid, SubmittedFile, counting_submission, stored_file
from tender.documents.pdf import (
    BODY,
    MONO,
    MONO_SMALL,
    SUBTITLE,
    TABLE_TEXT,
    TEXT_WIDTH,
    TITLE,
    bullet_list,
    facts_table,
    grid_table,
    markup,
    section_heading,
    user_paragraphs,
)
from tender.dossier.parts import BIDS, OPENING, DossierFile, Scope
from tender.dossier.scoped import (
    ascii_name,
    bid_label,
    file_prefix,
    opened_tender,
    received_in_scope,
    render_for,
)
from tender.evaluation.models import RequirementCheck
from tender.stored_files import MISSING, StoredFileError, message
from tender.tenders.models import Tender
from tender.timefmt import format_datetime_seconds

SUBMITTED_TITLE = "Inschrijving zoals ingediend"
CHECKS_TITLE = "Toetsing aan de eisen"
_NONE = "—"
_DIGEST_COLUMN = 98 * mm


@dataclass(frozen=True)
class _AttachedFile:
    """A file the submission names, and its name in the dossier."""

    file: SubmittedFile
    name: str


def _attached_files(bid: Bid, version: SubmittedBid) -> list[_AttachedFile]:
    """Every distinct file (by content) the version names, numbered in order of mention."""
    found: dict[str, _AttachedFile] = {}
    for file in version.files():
        if file.sha256 not in found:
            number = len(found) + 1
            path = PurePosixPath(file.filename)
            suffix = ascii_name(path.suffix.lower(), limit=10) if path.suffix else ""
            name = f"{file_prefix(bid)}-bijlage-{number}-{ascii_name(path.stem, limit=50)}"
            found[file.sha256] = _AttachedFile(file, f"{name}.{suffix.lstrip('.')}")
    return list(found.values())


def _file_cell(file: SubmittedFile | None) -> list[Paragraph] | Paragraph:
    if file is None:
        return Paragraph(_NONE, TABLE_TEXT)
    return [Paragraph(markup(file.filename), TABLE_TEXT), Paragraph(file.sha256, MONO_SMALL)]


def _p(text: str) -> Paragraph:
    return Paragraph(markup(text), TABLE_TEXT)


def _requirements(tender: Tender, version: SubmittedBid) -> list[Flowable]:
    titles = {r.code: r.title for r in tender.requirements}
    rows = [
        [
            _p(f"{code} – {titles.get(code, code)}"),
            _p("voldoet" if declared.complies else "voldoet niet"),
            _file_cell(declared.evidence),
        ]
        for code, declared in version.declarations.items()
    ]
    if not rows:
        return [Paragraph("De aanbesteding stelt geen eisen.", BODY)]
    return [
        grid_table(
            ["Eis", "Verklaring", "Bewijsstuk (SHA-256)"],
            rows,
            [TEXT_WIDTH - 22 * mm - _DIGEST_COLUMN, 22 * mm, _DIGEST_COLUMN],
        )
    ]


def _coverage(tender: Tender, version: SubmittedBid) -> list[Flowable]:
    municipalities = {m.code: m.name for m in tender.municipalities}
    groups = {g.code: g.name for g in tender.target_groups}
    story: list[Flowable] = []
    for lot in tender.lots:
        served: dict[str, list[str]] = {}
        for lot_code, municipality, group in sorted(version.cells):
            if lot_code == lot.code:
                served.setdefault(municipality, []).append(groups.get(group, group))
        if not served:
            continue
        rows = [
            [_p(municipalities.get(code, code)), _p(", ".join(served[code]))]
            for code in (m.code for m in tender.municipalities)
            if code in served
        ]
        story += [
            Paragraph(f"<b>Perceel {markup(lot.code)} – {markup(lot.name)}</b>", BODY),
            grid_table(["Gemeente", "Doelgroepen"], rows, [50 * mm, TEXT_WIDTH - 50 * mm]),
        ]
    return story or [Paragraph("De inschrijving verklaart geen dekking.", BODY)]


def _network(tender: Tender, version: SubmittedBid) -> list[Flowable]:
    if not version.network:
        return [Paragraph("De inschrijving noemt geen netwerkpartners.", BODY)]
    municipalities = {m.code: m.name for m in tender.municipalities}
    rows = [
        [
            _p(municipalities.get(p.municipality, p.municipality)),
            _p(p.name),
            _p(p.kind),
            _p(p.cooperation),
        ]
        for p in version.network
    ]
    return [
        grid_table(
            ["Gemeente", "Netwerkpartner", "Soort", "Samenwerking"],
            rows,
            [32 * mm, 40 * mm, 28 * mm, TEXT_WIDTH - 100 * mm],
            split_rows=True,
        )
    ]


def _subcontractors(version: SubmittedBid) -> list[Flowable]:
    if not version.subcontractors:
        return [Paragraph("De inschrijving noemt geen onderaannemers.", BODY)]
    rows = [[_p(s.name), _p(s.kvk_number), _p(s.activities)] for s in version.subcontractors]
    return [
        grid_table(
            ["Onderaannemer", "KvK", "Werkzaamheden"],
            rows,
            [50 * mm, 25 * mm, TEXT_WIDTH - 75 * mm],
            split_rows=True,
        )
    ]


def _plans(tender: Tender, version: SubmittedBid, names: dict[str, str]) -> list[Flowable]:
    story: list[Flowable] = []
    for criterion in tender.criteria:
        plan = version.plans.get(criterion.code)
        story += section_heading(f"Plan {markup(criterion.code)} – {markup(criterion.title)}")
        story += user_paragraphs(plan.text if plan and plan.text else _NONE)
        if plan is not None and plan.attachment is not None:
            attachment = plan.attachment
            story.append(
                Paragraph(
                    f"<b>Bijlage:</b> {markup(attachment.filename)} (in dit dossier: "
                    f"{escape(names[attachment.sha256])})",
                    BODY,
                )
            )
    return story


def _attachment_list(files: Sequence[_AttachedFile]) -> list[Flowable]:
    if not files:
        return [Paragraph("Bij deze inschrijving zijn geen bijlagen ingediend.", BODY)]
    rows = [
        [
            [_p(item.file.filename), Paragraph(f"<i>{escape(item.name)}</i>", TABLE_TEXT)],
            Paragraph(item.file.sha256, MONO_SMALL),
        ]
        for item in files
    ]
    return [
        grid_table(
            ["Bestand (naam in dit dossier)", "SHA-256"],
            rows,
            [TEXT_WIDTH - _DIGEST_COLUMN, _DIGEST_COLUMN],
        )
    ]


def _versions(bid: Bid, version: SubmittedBid) -> list[Flowable]:
    rows = [
        [
            _p(
                f"Indiening {s.number}"
                + (" (telt)" if s.number == version.submission_number else "")
            ),
            _p(format_datetime_seconds(s.received_at)),
            Paragraph(s.digest, MONO_SMALL),
        ]
        for s in bid.submissions
    ]
    return [
        grid_table(
            ["Indiening", "Ontvangen", "SHA-256"],
            rows,
            [32 * mm, TEXT_WIDTH - 32 * mm - _DIGEST_COLUMN, _DIGEST_COLUMN],
        )
    ]


def submitted_bid_pdf(
    tender: Tender, bid: Bid, version: SubmittedBid, files: Sequence[_AttachedFile]
) -> bytes:
    """The readable form of the version that counts (the JSON file is the exact one)."""
    organisation = version.organisation
    lot_names = {lot.code: lot.name for lot in tender.lots}
    received = format_datetime_seconds(version.received_at)
    story: list[Flowable] = [
        Paragraph(SUBMITTED_TITLE, TITLE),
        Paragraph(markup(f"{bid_label(bid, version)} – {tender.title}"), SUBTITLE),
        Paragraph(
            f"Dit is de inschrijving zoals zij is ontvangen: indiening "
            f"{version.submission_number}, ontvangen op {received} (Nederlandse tijd), de "
            "laatste indiening vóór de uiterste inschrijfdatum en dus de indiening die telt. "
            "De vingerafdruk (SHA-256) hieronder is berekend over de canonieke vorm van de "
            f"inschrijving, die als {escape(file_prefix(bid))}-canoniek.json in dit dossier "
            "staat: wie dat bestand hasht, krijgt dezelfde vingerafdruk als op de "
            "ontvangstbevestiging.",
            BODY,
        ),
        *section_heading("Inschrijver"),
        facts_table(
            [
                ("Naam", organisation.name),
                ("KvK-nummer", organisation.kvk_number),
                (
                    "Adres",
                    f"{organisation.street_address}\n{organisation.postcode} {organisation.city}",
                ),
                ("Contactpersoon", organisation.contact_person),
                ("E-mail", organisation.email),
                ("Telefoon", organisation.phone or _NONE),
                ("Website", organisation.website or _NONE),
            ]
        ),
        *section_heading("Indiening die telt"),
        facts_table(
            [
                ("Indiening", f"Indiening {version.submission_number}"),
                ("Ontvangen", f"{received} (Nederlandse tijd)"),
            ]
        ),
        Paragraph("Digitale vingerafdruk (SHA-256)", BODY),
        Paragraph(version.digest, MONO),
        *section_heading("Percelen"),
        *bullet_list([f"{code} – {lot_names.get(code, code)}" for code in sorted(version.lots)]),
        *section_heading("Eisen"),
        *_requirements(tender, version),
        *section_heading("Dekking"),
        *_coverage(tender, version),
        *section_heading("Netwerkpartners"),
        *_network(tender, version),
        *section_heading("Onderaannemers"),
        *_subcontractors(version),
        *_plans(tender, version, {item.file.sha256: item.name for item in files}),
        *section_heading("Bijlagen"),
        *_attachment_list(files),
        *section_heading("Indieningen"),
        Paragraph(
            "Elke ontvangen indiening van deze inschrijving, met haar vingerafdruk. Alleen "
            "de laatste indiening vóór de uiterste inschrijfdatum telt; de "
            "ontvangstbevestiging van elke indiening staat in dit dossier.",
            BODY,
        ),
        *_versions(bid, version),
    ]
    return render_for(tender, story, title=SUBMITTED_TITLE)


def _attachment_content(
    session: Session, tender: Tender, bid: Bid, version: SubmittedBid, file: SubmittedFile
) -> bytes:
    """The stored original of ``file``, checked against its digest."""
    directory = uploads.uploads_dir(current_app.instance_path)
    label = f"de bijlage ‘{file.filename}’"
    stored = stored_file(session, version, file)
    if stored is None:
        raise StoredFileError(
            message(label, MISSING),
            label=label,
            path=directory,
            problem=MISSING,
            object_type="bid",
            object_id=bid.id,
            tender_id=tender.id,
        )
    return uploads.read(
        directory,
        stored.stored_name,
        stored.sha256,
        label=label,
        object_type="bid",
        object_id=bid.id,
        tender_id=tender.id,
    )


def bids_as_submitted(session: Session, scope: Scope) -> list[DossierFile]:
    """Folder 02: per bid in scope its readable PDF, canonical JSON, receipts and files."""
    tender = opened_tender(session, scope)
    if tender is None:
        return []
    result: list[DossierFile] = []
    for bid, version in received_in_scope(session, tender, scope):
        prefix = file_prefix(bid)
        files = _attached_files(bid, version)
        submission = counting_submission(bid)
        assert submission is not None
        result += [
            DossierFile(
                BIDS,
                f"{prefix}.pdf",
                f"{bid.blind_code}: {SUBMITTED_TITLE.lower()}",
                submitted_bid_pdf(tender, bid, version, files),
            ),
            DossierFile(
                BIDS,
                f"{prefix}-canoniek.json",
                f"{bid.blind_code}: canonieke vorm (de SHA-256 hiervan is {version.digest})",
                canonical_json(submission.canonical),
            ),
        ]
        result += [
            DossierFile(
                BIDS,
                f"{prefix}-ontvangstbevestiging-{s.number}.pdf",
                f"{bid.blind_code}: ontvangstbevestiging van indiening {s.number}",
                receipt_pdf(session, bid, s),
            )
            for s in bid.submissions
        ]
        result += [
            DossierFile(
                BIDS,
                item.name,
                f"{bid.blind_code}: bijlage ‘{item.file.filename}’ zoals ingediend",
                _attachment_content(session, tender, bid, version, item.file),
            )
            for item in files
        ]
    return result


def _verdict(check: RequirementCheck | None) -> str:
    if check is None:
        return "nog niet getoetst"
    return "voldoet" if check.complies else "voldoet niet"


def _checked(check: RequirementCheck | None, checkers: dict[int, User], *, full: bool) -> str:
    if check is None:
        return _NONE
    moment = format_datetime_seconds(check.checked_at)
    checker = checkers.get(check.checked_by_id)
    return f"{moment}\n{checker.name}" if full and checker else moment


def _check_rows(
    tender: Tender,
    version: SubmittedBid,
    checks: dict[int, RequirementCheck],
    checkers: dict[int, User],
    *,
    full: bool,
) -> list[list[Flowable | list[Flowable]]]:
    rows: list[list[Flowable | list[Flowable]]] = []
    for requirement in tender.requirements:
        declared = version.declarations.get(requirement.code)
        check = checks.get(requirement.id)
        evidence = declared.evidence if declared else None
        rows.append(
            [
                _p(f"{requirement.code} – {requirement.title}"),
                [
                    _p("voldoet" if declared and declared.complies else "voldoet niet"),
                    _p(f"bewijs: {evidence.filename}" if evidence else "geen bewijsstuk"),
                ],
                _p(_verdict(check)),
                _p(check.reason if check and check.reason else _NONE),
                _p(_checked(check, checkers, full=full)),
            ]
        )
    return rows


def requirement_checks(session: Session, scope: Scope) -> list[DossierFile]:
    """Folder 03: the verdict on every requirement of every bid in scope, with reasons.

    The inzage dossier leaves out who checked (only when).
    """
    tender = opened_tender(session, scope)
    if tender is None:
        return []
    received = received_in_scope(session, tender, scope)
    if not received:
        return []
    bid_ids = [bid.id for bid, _ in received]
    checks: dict[int, dict[int, RequirementCheck]] = {}
    for check in session.scalars(
        select(RequirementCheck).where(RequirementCheck.bid_id.in_(bid_ids))
    ):
        checks.setdefault(check.bid_id, {})[check.requirement_id] = check
    checker_ids = {c.checked_by_id for by_bid in checks.values() for c in by_bid.values()}
    checkers = {
        user.id: user for user in session.scalars(select(User).where(User.id.in_(checker_ids)))
    }
    story: list[Flowable] = [
        Paragraph(CHECKS_TITLE, TITLE),
        Paragraph(markup(f"{tender.title} – kenmerk {tender.reference}"), SUBTITLE),
        Paragraph(
            "Per inschrijving en per eis: wat de inschrijver verklaarde (met het bewijsstuk), "
            "het oordeel van de inkoper, de reden en wanneer getoetst is. Een inschrijving "
            "die niet aan een eis voldoet, wordt uitgesloten en niet beoordeeld. Eerdere "
            "oordelen over dezelfde eis staan in het logboek.",
            BODY,
        ),
    ]
    for bid, version in received:
        story += section_heading(markup(bid_label(bid, version)))
        rows = _check_rows(tender, version, checks.get(bid.id, {}), checkers, full=scope.full)
        if not rows:
            story.append(Paragraph("De aanbesteding stelt geen eisen.", BODY))
            continue
        story.append(
            grid_table(
                ["Eis", "Verklaring", "Oordeel", "Reden", "Getoetst"],
                rows,
                [38 * mm, 30 * mm, 22 * mm, TEXT_WIDTH - 122 * mm, 32 * mm],
                split_rows=True,
            )
        )
    name = (
        "toetsing-eisen.pdf" if scope.full else f"{file_prefix(received[0][0])}-toetsing-eisen.pdf"
    )
    return [DossierFile(OPENING, name, CHECKS_TITLE, render_for(tender, story, title=CHECKS_TITLE))]
