"""Dossier folder 04: the committee's declarations, individual and consensus scores."""

from __future__ import annotations

from datetime import datetime

from dossier_steps import EXCLUDED, canaries, canary_tender, make_files, scope_of, text_of
from flask import Flask
from sqlalchemy.orm import Session

from tender.dossier.committee import committee_records
from tender.dossier.parts import COMMITTEE


def _squeezed(text: str) -> str:
    return "".join(text.split())


def test_complete_file_holds_declarations_every_score_and_the_consensus(
    app: Flask, session: Session, now: datetime
) -> None:
    built = canary_tender(session, now=now, instance_path=app.instance_path)
    scope = scope_of(session, built.tender)
    files = make_files(app, session, (committee_records,), scope)
    assert [f.name for f in files] == [
        "commissie-en-verklaringen.pdf",
        "individuele-scores.pdf",
        "consensusscores.pdf",
    ]
    assert {f.folder for f in files} == {COMMITTEE}
    declarations, individual, consensus = (text_of(f) for f in files)

    for member in built.members:
        assert _squeezed(member.user.email) in declarations
    # The band declared at signing, and the one reported later, with its explanation.
    assert _squeezed("Mijn broer werkt daar als teamleider.") in declarations
    assert _squeezed("Later bleek mijn buurvrouw daar directeur.") in declarations
    assert "latergemeld" in declarations
    assert canaries(1)["org"] in declarations

    for index in range(len(built.bids)):
        if index == EXCLUDED:
            assert canaries(index)["indiv"] not in individual
            continue
        assert canaries(index)["indiv"] in individual
        assert canaries(index)["cons"] in consensus
    assert "Uitgeslotenopdeeisen" in individual
    # The later band set aside that member's scores on bid 0: kept, and marked so.
    assert "Terzijdegelegd" in individual
    assert built.members[1].user.email in individual

    again = make_files(app, session, (committee_records,), scope)
    assert [f.content for f in again] == [f.content for f in files]


def test_inzage_holds_only_its_own_consensus_without_evaluators(
    app: Flask, session: Session, now: datetime
) -> None:
    built = canary_tender(session, now=now, instance_path=app.instance_path)
    for index, bid in enumerate(built.bids):
        files = make_files(app, session, (committee_records,), scope_of(session, built.tender, bid))
        assert len(files) == 1 and files[0].folder == COMMITTEE
        text = text_of(files[0])
        if index != EXCLUDED:
            assert canaries(index)["cons"] in text
        assert canaries(index)["indiv"] not in text
        for other in range(len(built.bids)):
            if other != index:
                assert all(mark not in text for mark in canaries(other).values()), other
        for member in built.members:
            assert _squeezed(member.user.name) not in text
            assert _squeezed(member.user.email) not in text
        assert "teamleider" not in text and "buurvrouw" not in text
