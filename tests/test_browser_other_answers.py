"""Other answers on the form, in Debian's chromium: staff map an unknown question to a field on the case page,
the next form with that question is read into the field, and an admin undoes the mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from intake.store.learning import CaseOtherAnswer, LearnedMapping
from intake.store.models import AuditEvent, Case, CaseField
from tests.support.browser import (
    PASSWORDS,
    chromium_missing,
    csrf_from,
    launch_chromium,
    seeded_runtime,
    served,
    signed_in_client,
    take_in,
)
from tests.support.mailfactory import make_email

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason="apt-get install chromium")]

QUESTION = "Name of the care home"  # printed with a colon; shown and learned without it


def _referral(n: int) -> bytes:
    body = (f"Safeguarding Adults Review referral.\n\nName of adult: Rita Example{n}\nDate of birth: 01/02/1950\n"
            f"Date of death: 0{n}/03/2026\n{QUESTION}: Brookfield Lodge, Reading\n\n"
            "Details of the person alleged to have caused harm\nName: Craig Otherperson\n")
    return make_email(subject="SAR referral", body=body, message_id=f"<care-home-{n}@example.org>")


def _place_of(runtime, reference: str) -> object:
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        row = session.exec(select(CaseField).where(CaseField.case_pk == case.id, CaseField.name == "event.place",
                                                   CaseField.current)).first()
        return row.value if row else None


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("button:has-text('Sign in')")


def test_a_mapping_made_on_a_case_reads_the_next_form_and_can_be_undone(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    runtime = seeded_runtime(tmp_path, sqlite_url)
    first = take_in(runtime, _referral(1)).case_reference
    assert _place_of(runtime, first) is None
    with served(runtime) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _sign_in(page, base, "tina")  # a triage worker
        page.goto(f"{base}/cases/{first}")
        panel = page.locator("section.other-answers")
        assert "Other answers on the form" in panel.inner_text()
        assert QUESTION in panel.inner_text() and "Brookfield Lodge, Reading" in panel.inner_text()
        panel.locator(f"select[aria-label='Field for {QUESTION}']").select_option("event.place")
        panel.locator("button:has-text('Map')").click()
        assert "answer mapped" in page.content()
        assert "Where it happened" in page.locator("section.fields").inner_text()
        assert _place_of(runtime, first) == "Brookfield Lodge, Reading"

        second = take_in(runtime, _referral(2)).case_reference  # the same question on the next form
        assert _place_of(runtime, second) == "Brookfield Lodge, Reading"
        page.goto(f"{base}/cases/{second}")
        assert "Brookfield Lodge, Reading" in page.locator("section.fields").inner_text()
        page.goto(f"{base}/admin/mappings")
        assert page.locator("h1").inner_text() != "Learned mappings"  # not for a triage worker

        page.goto(f"{base}/")
        page.click("button:has-text('Sign out')")
        _sign_in(page, base, "ada")  # an admin
        page.click("a:has-text('Learned mappings')")
        row = page.locator("tr", has_text=QUESTION)
        assert "Where it happened" in row.inner_text() and "tina" in row.inner_text()
        row.locator("button:has-text('Undo')").click()
        assert "mapping undone" in page.content() and "undone by ada" in page.content()
        browser.close()
    third = take_in(runtime, _referral(3)).case_reference
    assert _place_of(runtime, third) is None  # undone: the question is an other answer again
    with Session(runtime.engine) as session:
        mapping = session.exec(select(LearnedMapping)).one()
        kept = session.exec(select(CaseOtherAnswer).where(CaseOtherAnswer.question == QUESTION)).all()
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert (mapping.field_name, mapping.created_by, mapping.undone_by) == ("event.place", "tina", "ada")
    assert len(kept) == 2  # the first case's (now mapped) and the third's
    assert "answer_mapped" in actions and "mapping_undone" in actions


def test_mapping_needs_the_csrf_token_and_a_known_field(sqlite_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, sqlite_url)
    reference = take_in(runtime, _referral(1)).case_reference
    with Session(runtime.engine) as session:
        answer = session.exec(select(CaseOtherAnswer).where(CaseOtherAnswer.question == QUESTION)).one()
    with served(runtime) as base:
        client = signed_in_client(base, "tina")
        url = f"/cases/{reference}/other-answers/{answer.id}/map"
        assert client.post(url, data={"field_name": "event.place"}).status_code == 403  # no token
        token = csrf_from(client.get(f"/cases/{reference}").text)
        assert client.post(url, data={"field_name": "subject.nonsense", "csrf_token": token}).status_code == 422
        with Session(runtime.engine) as session:
            someone = session.exec(select(CaseOtherAnswer).where(CaseOtherAnswer.other_person)).one()
        assert someone.answer == "Craig Otherperson"  # kept, as another person's
        person_url = f"/cases/{reference}/other-answers/{someone.id}/map"
        assert client.post(person_url, data={"field_name": "subject.name", "csrf_token": token}).status_code == 422
        assert client.get("/admin/mappings").status_code == 403
    assert _place_of(runtime, reference) is None
    with Session(runtime.engine) as session:
        surnames = session.exec(select(CaseField.value).where(CaseField.name == "subject.surname")).all()
    assert "Otherperson" not in surnames


def test_a_name_mapped_from_an_other_answer_is_checked_for_duplicates(sqlite_url: str, tmp_path: Path) -> None:
    """The same person referred twice, the second time under a question the service did not know: once staff map
    it, the second case is flagged as a possible duplicate of the first, as a correction would flag it."""
    runtime = seeded_runtime(tmp_path, sqlite_url)
    person = "Date of birth: 01/02/1950\nDate of death: 05/03/2026\n"
    first = take_in(runtime, make_email(subject="SAR referral", message_id="<p-1@example.org>",
                                        body=f"SAR referral.\n\nName of adult: Rita Example\n{person}")).case_reference
    second = take_in(runtime, make_email(subject="SAR referral", message_id="<p-2@example.org>",
                                         body=f"SAR referral.\n\nWho the review would be about: Rita Example\n"
                                              f"{person}")).case_reference
    with Session(runtime.engine) as session:
        answer = session.exec(select(CaseOtherAnswer).where(
            CaseOtherAnswer.question == "Who the review would be about")).one()
        assert session.exec(select(Case).where(Case.reference == second)).one().duplicate_of is None
    with served(runtime) as base:
        client = signed_in_client(base, "tina")
        token = csrf_from(client.get(f"/cases/{second}").text)
        mapped = client.post(f"/cases/{second}/other-answers/{answer.id}/map",
                             data={"field_name": "subject.name", "csrf_token": token})
        assert mapped.status_code in (200, 303)
    with Session(runtime.engine) as session:
        case = session.exec(select(Case).where(Case.reference == second)).one()
    assert case.duplicate_of == first and "possible_duplicate" in case.flags
