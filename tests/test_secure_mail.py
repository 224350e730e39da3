"""Secure-email notices recognised by their services' markers; document links listed; the catalogue checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.message import parse_message
from parsers.secure_mail import SecureMailError, load_catalogue, recognise
from parsers.values import Flag
from tests.support.mailfactory import referral_email
from tests.support.notices import SERVICES, linked_referral


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_notice_is_recognised(service: str, catalogue) -> None:
    parsed = recognise(parse_message(SERVICES[service](f"<{len(service)}@x>")), catalogue)
    assert parsed.envelope.protected_by == service
    assert parsed.envelope.flags(has_form=False) == {Flag.PROTECTED_MESSAGE}
    assert catalogue.how_to_open(service)


def test_an_ordinary_referral_is_not_protected_and_has_no_links(catalogue) -> None:
    parsed = recognise(parse_message(referral_email()), catalogue)
    assert not parsed.envelope.protected_by and not parsed.envelope.links


def test_links_to_documents_are_listed_and_flag_only_when_no_form_came(catalogue) -> None:
    parsed = recognise(parse_message(linked_referral("<l@x>")), catalogue)
    assert [(link.service, link.url.split("/")[2]) for link in parsed.envelope.links] == [
        ("SharePoint", "frimleyhealth.sharepoint.com"), ("Google Drive", "drive.google.com")]
    assert parsed.envelope.flags(has_form=False) == {Flag.FORM_BY_LINK}
    assert parsed.envelope.flags(has_form=True) == frozenset()


@pytest.mark.parametrize(("text", "error"), [
    ("version: 2\n", "version: 1"),
    ("version: 1\nservices:\n  - name: X\n    markers: [{body: '('}]\ndocument_links: [{name: a, link: b}]\n",
     "bad regular expression"),
    ("version: 1\nservices:\n  - name: X\n    markers: [{smell: 'x'}]\ndocument_links: [{name: a, link: b}]\n",
     "service 'X' marker 0"),
    ("version: 1\nservices:\n  - name: X\n    markers: []\ndocument_links: [{name: a, link: b}]\n",
     "at least one marker"),
])
def test_a_bad_catalogue_is_refused_naming_the_place(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "secure_mail.yaml"
    path.write_text(text)
    with pytest.raises(SecureMailError, match=error.replace("(", r"\(")):
        load_catalogue(path)
