"""How each filed email was wrapped (S/MIME signature, secure-email service, links), kept with the message."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from intake.store.models import Message
from parsers.values import Envelope


@dataclass(frozen=True)
class EnvelopeView:
    """What the case page says about one email's wrapping."""

    signer: str
    signature_verified: bool | None
    signature_detail: str
    encryption: str
    protected_by: str
    links: tuple[tuple[str, str], ...]  # (service, url)

    @property
    def is_plain(self) -> bool:
        """Nothing to say: not signed, not protected, no links."""
        return self.signature_verified is None and not self.protected_by and not self.links \
            and self.encryption == "none"


def record_envelope(session: Session, *, message_pk: int, envelope: Envelope) -> None:
    """Keep the envelope with its ledger row, in the caller's transaction. Plain mail (no signature, encryption,
    service or links: most of it) keeps none; envelope_view reads that as plain."""
    if envelope == Envelope():
        return
    session.execute(sa.update(Message).where(col(Message.id) == message_pk).values(envelope=envelope.to_dict())
                    .execution_options(synchronize_session=False))


def envelope_view(message: Message) -> EnvelopeView:
    """The stored envelope of a message (an empty one for mail taken in before envelopes were kept)."""
    data = message.envelope or {}
    verified = data.get("signature_verified")
    return EnvelopeView(
        signer=str(data.get("signer") or ""),
        signature_verified=verified if isinstance(verified, bool) else None,
        signature_detail=str(data.get("signature_detail") or ""),
        encryption=str(data.get("encryption") or "none"),
        protected_by=str(data.get("protected_by") or ""),
        links=tuple((str(link.get("service", "")), str(link.get("url", "")))
                    for link in data.get("links") or [] if isinstance(link, dict)),
    )
