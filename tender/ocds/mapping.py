"""From plain tender data to an OCDS 1.1 release package: pure functions, no queries.

Each stage that has happened becomes one release, dated at the moment of that stage
and never changed afterwards (its id says which stage); see ``tender.ocds`` for the
mapping as a reader of the data sees it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from tender.documents import service as documents
from tender.ocds.source import BidResult, DecisionSource, LotSource, TenderSource
from tender.tenders.dates import period_end
from tender.timefmt import count_of, format_date, format_datetime, format_number, local_to_utc

Json = dict[str, Any]

# CPV 85312000 "Diensten voor maatschappelijk werk zonder huisvesting" (social work
# without accommodation): the CPV code that describes Wmo begeleiding at home.
CLASSIFICATION = {
    "scheme": "CPV",
    "id": "85312000",
    "description": "Diensten voor maatschappelijk werk zonder huisvesting",
}
BUYER_ID = "buyer"
# The tender documents released at publication and with each schedule change, by kind:
# (OCDS documentType, Dutch title).
DOCUMENTS = {
    documents.LEIDRAAD: ("biddingDocuments", "Aanbestedingsleidraad"),
    documents.CONCEPT_CONTRACT: ("contractDraft", "Concept-raamovereenkomst"),
    documents.PLANNING: ("clarifications", "Planning (gewijzigd)"),
}


def moment(value: datetime) -> str:
    """A moment as OCDS wants it (RFC 3339), in UTC, to the second."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day_start(day: date) -> str:
    return moment(local_to_utc(day, time(0, 0)))


def _day_end(day: date) -> str:
    return moment(local_to_utc(day, time(23, 59, 59)))


def _amount(value: Decimal) -> Json:
    number = int(value) if value == value.to_integral_value() else float(value)
    return {"amount": number, "currency": "EUR"}


def ocid_of(prefix: str, reference: str) -> str:
    return f"{prefix}-{reference}"


# Parties. The region's contracting authority runs the procedure and its budget pays:
# "buyer" and "procuringEntity". Each municipality pays the providers for its own
# residents under the framework contracts: "payer" (partyRole is an open codelist,
# and "payer" is its code for the party that pays). Suppliers and tenderers carry
# their KvK number under the org-id scheme NL-KVK; of people nothing is published.


def _buyer(data: TenderSource) -> Json:
    return {
        "id": BUYER_ID,
        "name": data.contracting_authority,
        "address": {"region": data.region, "countryName": "Nederland"},
        "roles": ["buyer", "procuringEntity"],
    }


def _municipality_id(code: str) -> str:
    return f"gemeente-{code}"


def _municipalities(data: TenderSource) -> list[Json]:
    return [
        {
            "id": _municipality_id(code),
            "name": f"Gemeente {name}",
            "address": {"locality": name, "countryName": "Nederland"},
            "roles": ["payer"],
        }
        for code, name in data.municipalities
    ]


def _organisation_id(kvk: str) -> str:
    return f"NL-KVK-{kvk}"


def _bidder(bid: BidResult, roles: list[str]) -> Json:
    party: Json = {
        "id": _organisation_id(bid.kvk),
        "name": bid.name,
        "identifier": {"scheme": "NL-KVK", "id": bid.kvk},
        "roles": roles,
    }
    if bid.city.strip():
        party["address"] = {"locality": bid.city, "countryName": "Nederland"}
    return party


def _reference(party: Json) -> Json:
    return {"id": party["id"], "name": party["name"]}


# The tender: lots live in core fields. Each lot x target group is an item whose id
# is "<lot code>-<target group code>"; each award covers one lot and lists its items.


def _lot_items(lot: LotSource, served: Mapping[str, tuple[str, ...]] | None = None) -> list[Json]:
    """The lot's items, one per target group; with ``served`` (target group code ->
    municipality codes) only the groups served, each naming where."""
    names = dict(lot.municipalities)
    items = []
    for code, name in lot.target_groups:
        if served is None:
            places = [place for _code, place in lot.municipalities]
        elif code in served:
            places = [names[m] for m, _name in lot.municipalities if m in served[code]]
        else:
            continue
        items.append(
            {
                "id": f"{lot.code}-{code}",
                "description": f"Perceel {lot.code} ({lot.name}), doelgroep {name}; "
                f"gemeenten: {', '.join(places)}",
                "classification": dict(CLASSIFICATION),
            }
        )
    return items


def _contract_period(data: TenderSource) -> Json:
    terms = data.contract
    total = terms.initial_years + sum(terms.extension_years)
    return {
        "startDate": _day_start(terms.start),
        "endDate": _day_end(period_end(terms.start, terms.initial_years)),
        "maxExtentDate": _day_end(period_end(terms.start, total)),
    }


def _term_text(data: TenderSource) -> str:
    terms = data.contract
    text = (
        f"Looptijd {count_of(terms.initial_years, 'jaar', 'jaar')} vanaf "
        f"{format_date(terms.start)} tot en met "
        f"{format_date(period_end(terms.start, terms.initial_years))}"
    )
    if terms.extension_years:
        years = " en ".join(count_of(y, "jaar", "jaar") for y in terms.extension_years)
        latest = period_end(terms.start, terms.initial_years + sum(terms.extension_years))
        options = count_of(
            len(terms.extension_years), "optionele verlenging", "optionele verlengingen"
        )
        text += f", met {options} ({years}) tot uiterlijk {format_date(latest)}"
    return f"{text}; opzegtermijn {count_of(terms.notice_months, 'maand', 'maanden')}."


def _award_criteria_details(data: TenderSource) -> str:
    criteria = "; ".join(
        f"{c.code} {c.title}: weging {format_number(c.weight)}, minimumscore {c.minimum}"
        for c in data.criteria
    )
    if data.award_mode == "ranked":
        places = ", ".join(f"perceel {lot.code}: {lot.max_awards}" for lot in data.lots)
        mode = (
            "Per perceel worden, van de inschrijvingen die aan alle eisen voldoen en op elk "
            "criterium ten minste de minimumscore halen, die met de hoogste totaalscore "
            f"gegund (aantal per perceel: {places})."
        )
    else:
        mode = (
            "Elke inschrijving die aan alle eisen voldoet en op elk criterium ten minste de "
            "minimumscore haalt, wordt gegund voor de percelen waarop zij inschreef."
        )
    minimum = (
        f" Minimale totaalscore: {format_number(data.minimum_total)}." if data.minimum_total else ""
    )
    return (
        "De prijs (tarieven per product) ligt vast; er wordt alleen op kwaliteit gegund. "
        f"Gunningscriteria met weging, beoordeeld op een schaal van {data.scale_min} tot en met "
        f"{data.scale_max}: {criteria}. {mode}{minimum}"
    )


def _total_value(data: TenderSource) -> Decimal:
    return sum((lot.estimated_value_eur for lot in data.lots), Decimal(0))


def _documents(data: TenderSource, until: datetime) -> list[Json]:
    return [
        {
            "id": document.filename,
            "documentType": DOCUMENTS[document.kind][0],
            "title": DOCUMENTS[document.kind][1],
            "description": f"SHA-256 {document.sha256}",
            "datePublished": moment(document.released_at),
            "format": "application/pdf",
            "language": "nl",
        }
        for document in data.documents
        if document.released_at <= until and document.kind in DOCUMENTS
    ]


def _published_dates(data: TenderSource) -> tuple[datetime | None, datetime | None]:
    """The question and submission deadlines as published (before any schedule change)."""
    if data.schedule_changes:
        first = data.schedule_changes[0]
        return first.old_question_deadline, first.old_submission_deadline
    return data.question_deadline, data.submission_deadline


def _periods(
    published_at: datetime, question: datetime | None, submission: datetime | None
) -> Json:
    periods: Json = {}
    if submission is not None:
        periods["tenderPeriod"] = {"startDate": moment(published_at), "endDate": moment(submission)}
    if question is not None:
        periods["enquiryPeriod"] = {"startDate": moment(published_at), "endDate": moment(question)}
    return periods


def _tender_section(data: TenderSource, published_at: datetime) -> Json:
    question, submission = _published_dates(data)
    section: Json = {
        "id": data.reference,
        "title": data.title,
        "description": f"{data.title} ({data.region}). Percelen: "
        + "; ".join(f"{lot.code} {lot.name}" for lot in data.lots)
        + ". Elk perceel staat als items per doelgroep (item-id <perceel>-<doelgroep>); "
        "elke gunning geldt één perceel.",
        "status": "active",
        "procuringEntity": _reference(_buyer(data)),
        "items": [item for lot in data.lots for item in _lot_items(lot)],
        "procurementMethod": "open",
        "procurementMethodDetails": "SAS (sociaal en andere specifieke diensten)",
        "procurementMethodRationale": "Aanbestedingswet 2012, art. 2.38/2.39",
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": _award_criteria_details(data),
        "submissionMethod": ["electronicSubmission"],
        **_periods(published_at, question, submission),
        "contractPeriod": _contract_period(data),
    }
    if _total_value(data) > 0:
        section["value"] = _amount(_total_value(data))
    released = _documents(data, published_at)
    if released:
        section["documents"] = released
    return section


def _release(ocid: str, suffix: str, when: datetime, tags: list[str], **sections: Any) -> Json:
    return {
        "ocid": ocid,
        "id": f"{ocid}-{suffix}",
        "date": moment(when),
        "tag": tags,
        "initiationType": "tender",
        "language": "nl",
        **sections,
    }


def _planning_release(data: TenderSource, ocid: str) -> Json:
    buyer = _buyer(data)
    sections: Json = {
        "parties": [buyer, *_municipalities(data)],
        "buyer": _reference(buyer),
        "tender": {
            "id": data.reference,
            "title": data.title,
            "status": "planning",
            "mainProcurementCategory": "services",
        },
    }
    if _total_value(data) > 0:
        sections["planning"] = {
            "budget": {
                "description": "Som van de geraamde waarden van de percelen uit het "
                "criteriabestand.",
                "amount": _amount(_total_value(data)),
            }
        }
    return _release(ocid, "planning", data.created_at, ["planning"], **sections)


def _tender_release(data: TenderSource, ocid: str, published_at: datetime) -> Json:
    buyer = _buyer(data)
    return _release(
        ocid,
        "tender",
        published_at,
        ["tender"],
        parties=[buyer, *_municipalities(data)],
        buyer=_reference(buyer),
        tender=_tender_section(data, published_at),
    )


def _amendment_releases(data: TenderSource, ocid: str, published_at: datetime) -> list[Json]:
    """One tenderAmendment per published schedule change (new deadlines, with the reason)."""
    releases = []
    amendments: list[Json] = []
    previous = f"{ocid}-tender"
    for change in data.schedule_changes:
        release_id = f"{ocid}-tender-wijziging-{change.number}"
        amendments.append(
            {
                "id": str(change.number),
                "date": moment(change.changed_at),
                "rationale": change.reason,
                "description": "Planning gewijzigd: uiterste datum voor vragen "
                f"{format_datetime(change.new_question_deadline)}, uiterste inschrijfdatum "
                f"{format_datetime(change.new_submission_deadline)} (Nederlandse tijd).",
                "amendsReleaseID": previous,
                "releaseID": release_id,
            }
        )
        tender: Json = {
            "id": data.reference,
            **_periods(published_at, change.new_question_deadline, change.new_submission_deadline),
            "amendments": list(amendments),
        }
        released = _documents(data, change.changed_at)
        if released:
            tender["documents"] = released
        releases.append(
            _release(
                ocid,
                f"tender-wijziging-{change.number}",
                change.changed_at,
                ["tenderAmendment"],
                tender=tender,
            )
        )
        previous = release_id
    return releases


def _opening_release(data: TenderSource, ocid: str, opened_at: datetime) -> Json:
    """The opening: how many bids arrived, not who sent them (that follows the decision)."""
    tender: Json = {"id": data.reference, "status": "active"}
    if data.number_of_tenderers is not None:
        tender["numberOfTenderers"] = data.number_of_tenderers
    return _release(ocid, "opening", opened_at, ["tenderUpdate"], tender=tender)


def _award_id(decision: DecisionSource, lot: LotSource) -> str:
    return f"award-{decision.version}-{lot.code}"


def _awarded_in_order(decision: DecisionSource, lot: LotSource) -> list[BidResult]:
    """The bids awarded the lot: best rank first, then by name (threshold mode ties)."""
    awarded = [bid for bid in decision.bids if lot.code in bid.awarded]
    return sorted(
        awarded,
        key=lambda bid: (
            bid.awarded[lot.code] is None,
            bid.awarded[lot.code] or 0,
            bid.name.casefold(),
            bid.kvk,
        ),
    )


def _award_title(lot: LotSource) -> str:
    return f"Perceel {lot.code}: {lot.name}"


def _award(data: TenderSource, decision: DecisionSource, lot: LotSource, status: str) -> Json:
    suppliers = _awarded_in_order(decision, lot)
    if data.award_mode == "ranked":
        how = "in rangorde, hoogste totaalscore eerst"
    else:
        how = "in alfabetische volgorde; elke geslaagde inschrijving is gegund"
    standstill = (
        f" Opschortende termijn tot en met {format_date(decision.standstill_end)}."
        if decision.standstill_end
        else ""
    )
    award: Json = {
        "id": _award_id(decision, lot),
        "title": _award_title(lot),
        "description": f"Gunningsbeslissing versie {decision.version} voor perceel {lot.code} "
        f"({lot.name}); leveranciers {how}.{standstill}",
        "status": status if suppliers else "unsuccessful",
        "date": moment(decision.letters_sent_at),
        "items": _lot_items(lot),
        "contractPeriod": _contract_period(data),
    }
    if suppliers:
        award["suppliers"] = [_reference(_bidder(bid, [])) for bid in suppliers]
    if lot.estimated_value_eur > 0:
        award["value"] = _amount(lot.estimated_value_eur)
    return award


def _bidders(decision: DecisionSource, *, suppliers: bool) -> list[Json]:
    """Every bidder of the decision as a party, by name; awarded ones as suppliers."""
    ordered = sorted(decision.bids, key=lambda bid: (bid.name.casefold(), bid.kvk))
    return [
        _bidder(bid, ["tenderer", "supplier"] if suppliers and bid.awarded else ["tenderer"])
        for bid in ordered
    ]


def _award_release(data: TenderSource, ocid: str, decision: DecisionSource) -> Json:
    parties = _bidders(decision, suppliers=True)
    return _release(
        ocid,
        f"award-{decision.version}",
        decision.letters_sent_at,
        ["award"],
        parties=parties,
        tender={
            "id": data.reference,
            "numberOfTenderers": len(decision.bids),
            "tenderers": [_reference(party) for party in parties],
        },
        awards=[_award(data, decision, lot, "pending") for lot in data.lots],
    )


def _cancellation_release(
    data: TenderSource, ocid: str, decision: DecisionSource, withdrawn_at: datetime
) -> Json:
    """A withdrawn decision: its awards are cancelled and its suppliers tenderers again."""
    return _release(
        ocid,
        f"award-{decision.version}-ingetrokken",
        withdrawn_at,
        ["awardCancellation"],
        parties=_bidders(decision, suppliers=False),
        tender={"id": data.reference, "status": "active"},
        awards=[
            {"id": _award_id(decision, lot), "title": _award_title(lot), "status": "cancelled"}
            for lot in data.lots
        ],
    )


def _contracts(data: TenderSource, decision: DecisionSource) -> list[Json]:
    """One framework contract per awarded bidder per lot."""
    contracts = []
    for lot in data.lots:
        for bid in _awarded_in_order(decision, lot):
            contract: Json = {
                "id": f"contract-{decision.version}-{lot.code}-{bid.kvk}",
                "awardID": _award_id(decision, lot),
                "title": f"Raamovereenkomst perceel {lot.code} ({lot.name}) met {bid.name}",
                "description": _term_text(data),
                "status": "active",
                "period": _contract_period(data),
            }
            items = _lot_items(lot, bid.served.get(lot.code, {}))
            if items:
                contract["items"] = items
            contracts.append(contract)
    return contracts


def _contract_release(
    data: TenderSource, ocid: str, decision: DecisionSource, definitive_at: datetime
) -> Json:
    """The definitive award: awards in force and the framework contracts concluded."""
    return _release(
        ocid,
        "contract",
        definitive_at,
        ["awardUpdate", "contract"],
        tender={"id": data.reference, "status": "complete"},
        awards=[
            {
                "id": _award_id(decision, lot),
                "title": _award_title(lot),
                "status": "active" if _awarded_in_order(decision, lot) else "unsuccessful",
            }
            for lot in data.lots
        ],
        contracts=_contracts(data, decision),
    )


def releases(data: TenderSource, ocid: str) -> list[Json]:
    """Every release of the tender's stages so far, oldest first."""
    found = [_planning_release(data, ocid)]
    if data.published_at is not None:
        found.append(_tender_release(data, ocid, data.published_at))
        found.extend(_amendment_releases(data, ocid, data.published_at))
    if data.opened_at is not None:
        found.append(_opening_release(data, ocid, data.opened_at))
    for decision in data.decisions:
        found.append(_award_release(data, ocid, decision))
        if decision.withdrawn_at is not None:
            found.append(_cancellation_release(data, ocid, decision, decision.withdrawn_at))
        if decision.definitive_at is not None:
            found.append(_contract_release(data, ocid, decision, decision.definitive_at))
    if data.withdrawn_at is not None:
        found.append(
            _release(
                ocid,
                "tender-ingetrokken",
                data.withdrawn_at,
                ["tenderCancellation"],
                tender={"id": data.reference, "status": "cancelled"},
            )
        )
    # Stable order: by moment, and by stage for releases at the same second.
    return sorted(found, key=lambda release: release["date"])


def package(data: TenderSource, *, prefix: str, published: datetime) -> Json:
    """The release package of every stage up to ``published``.

    ``publishedDate`` is the moment of the latest release included, so the same state
    always gives the same package, whenever it is made.
    """
    ocid = ocid_of(prefix, data.reference)
    included = [r for r in releases(data, ocid) if r["date"] <= moment(published)]
    return {
        # No public address is known here: a name-based UUID URN identifies the package.
        "uri": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'ocds:' + ocid)}",
        "version": "1.1",
        "publishedDate": included[-1]["date"] if included else moment(data.created_at),
        "publisher": {"name": data.contracting_authority},
        "releases": included,
    }
