"""What the case page says about how each email came wrapped (S/MIME, secure-email service, links)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlmodel import Session, col, select

from intake.store.envelopes import EnvelopeView, envelope_view
from intake.store.models import Case, Message
from parsers.secure_mail import Catalogue, load_catalogue

_SMIME_HOW_TO = ("The message is encrypted (S/MIME) to a certificate whose key is not configured here. Open it in "
                 "the mail client that holds the partnership's certificate, or configure secure_mail.smime_* .")


@cache
def _catalogue(path: Path | None) -> Catalogue:
    return load_catalogue(path)


def _how_to_open(service: str, catalogue_file: Path | None) -> str:
    if service == "S/MIME":
        return _SMIME_HOW_TO
    return _catalogue(catalogue_file).how_to_open(service) if service else ""


def mail_envelopes(session: Session, case: Case, catalogue_file: Path | None) -> list[tuple[EnvelopeView, str]]:
    """Each email of the case, oldest first: its envelope and what staff do to open it if protected."""
    messages = session.exec(select(Message).where(Message.case_pk == case.id).order_by(col(Message.id)))
    views = [envelope_view(m) for m in messages]
    return [(v, _how_to_open(v.protected_by, catalogue_file)) for v in views]
