"""Notices of secure-email services, shaped as the services send them (wording paraphrased around the phrases
their public help pages document), and referrals that link to documents instead of attaching them.

Sources (the markers in parsers/secure_mail.yaml come from the same pages):
- NHSmail: https://digital.nhs.uk/services/nhsmail/guidance-for-sending-secure-email ("[secure]" in the subject;
  recipients get a notice to open Encrypted_Message.htm, "secured by Private Post").
- Egress: https://ddmsecuritysystems.com/egress-platform/ (a notification email whenever an Egress Switch
  secure email is waiting; links to switch.egress.com).
- Microsoft Purview Message Encryption: https://help.veson.com/imos/how-to-open-encrypted-emails (message.rpmsg
  or message.html attachment, "Read the message", the encrypted message portal).
- Galaxkey: https://help.galaxkey.com/GalaxkeyAddinSpecialAccess.html (the secured mail is a .gxk file).
- Cryptshare: https://docs.pointsharp.com/cryptshare-api/RESTAPI_Notification%20Mail.html (the recipient
  notification: sender's text, contact details, the download link).
- Virtru: https://kb.bitstreamllc.com/cloud/secure-messaging/using-sm (default text: a securely transmitted
  message; select Unlock Message) and https://support.virtru.com/hc/en-us/articles/14762509514647 .
- Zix: http://userawareness.zixcorp.com/sbhcs/partners/receiving.php (a clear-text notice linking to the
  ZixMessage Center).
"""

from __future__ import annotations

from collections.abc import Sequence

from tests.support.mailfactory import make_email

SENDER = "sarah.collins@frimley.example.org"


def _notice(message_id: str, subject: str, body: str, attachments: Sequence[tuple[str, bytes, str]] = (),
            headers: dict[str, str] | None = None) -> bytes:
    return make_email(message_id=message_id, subject=subject, body=body, attachments=list(attachments),
                      headers=headers)


def nhsmail(message_id: str) -> bytes:
    """NHSmail's [secure] encryption: the recipient gets a notice and Encrypted_Message.htm."""
    return _notice(message_id, "[secure] SAR referral", (
        "PRIVATE AND CONFIDENTIAL\n\nThis email message has been secured by Private Post. To read it, open the "
        "attached file Encrypted_Message.htm and follow the instructions.\n"),
        [("Encrypted_Message.htm", b"<html><body><form action='https://nhs.example/open'></form></body></html>",
          "text/html")])


def egress(message_id: str) -> bytes:
    """An Egress Switch notification with its link to web access."""
    return _notice(message_id, "Referral", (
        "Sarah Collins has sent you a secure email.\n\nSubject: Referral\n\nTo read it, open the message with "
        "Egress:\nhttps://switch.egress.com/ui/read/?id=3f2a91c0-7e1b-4f3a-a0f1-2b7d11c0e9aa\n\n"
        "This message was protected by Egress Protect secure email.\n"))


def purview(message_id: str) -> bytes:
    """Microsoft Purview Message Encryption as a recipient outside Microsoft 365 sees it."""
    return _notice(message_id, "SAR referral", (
        "Sarah Collins (sarah.collins@frimley.example.org) has sent you a protected message.\n\n"
        "You've received an encrypted message from sarah.collins@frimley.example.org\n\n"
        "Read the message:\nhttps://outlook.office365.com/Encryption/retrieve.ashx?recipientemailaddress="
        "x&senderemailaddress=y&messageid=z\n"),
        [("message.rpmsg", b"\x76\xe8\x04\x60\xc4\x11\xe3\x86" + bytes(64), "application/x-microsoft-rpmsg-message")],
        headers={"Content-Class": "rpmsg.message"})


def galaxkey(message_id: str) -> bytes:
    """A Galaxkey-secured email: the content travels as a .gxk file."""
    return _notice(message_id, "SAR referral", (
        "This email has been secured using Galaxkey. Open the attached file with Galaxkey to read it.\n"),
        [("secure-email.gxk", b"GXK\x01" + bytes(200), "application/octet-stream")])


def cryptshare(message_id: str) -> bytes:
    """A Cryptshare recipient notification: the files wait on the sender's Cryptshare server."""
    return _notice(message_id, "Files for you: SAR referral", (
        "Sarah Collins has provided files for you via Cryptshare.\n\nMessage from the sender:\nPlease see the "
        "referral form.\n\nDownload: https://cryptshare.frimley.example.org/download?id=Kx81aPq2\n"
        "The files are available until 24 March 2026. The password will be given to you separately.\n"))


def virtru(message_id: str) -> bytes:
    """A Virtru-protected email as a recipient without Virtru sees it."""
    return _notice(message_id, "SAR referral", (
        "This is a securely transmitted message from Frimley Health. Please select Unlock Message to verify "
        "your identity and view the message.\n\nUnlock Message: https://secure.virtru.com/start/#v=5&id=ab12\n"))


def zix(message_id: str) -> bytes:
    """A Zix notice: the message waits in the sender's ZixMessage Center."""
    return _notice(message_id, "SAR referral", (
        "You have received a secure message from sarah.collins@frimley.example.org.\n\nOpen Message: "
        "https://web1.zixmail.net/s/e?b=frimley&m=ABC123&c=DEF456\n\nThe message is held in the ZixMessage "
        "Center and will expire after 14 days.\n"))


SERVICES = {
    "NHSmail encryption": nhsmail,
    "Egress": egress,
    "Microsoft Purview Message Encryption": purview,
    "Galaxkey": galaxkey,
    "Cryptshare": cryptshare,
    "Virtru": virtru,
    "Zix": zix,
}


def linked_referral(message_id: str) -> bytes:
    """A referral whose form is on SharePoint and a Google Drive, not attached (text and HTML bodies)."""
    from datetime import UTC, datetime
    from email.message import EmailMessage
    from email.utils import format_datetime

    msg = EmailMessage()
    msg["From"] = SENDER
    msg["To"] = "safeguarding.partnership@rbwm.example.org"
    msg["Subject"] = "SAR referral"
    msg["Date"] = format_datetime(datetime(2026, 3, 10, 9, 14, tzinfo=UTC))
    msg["Message-ID"] = message_id
    msg.set_content("The referral form is here: https://frimleyhealth.sharepoint.com/:w:/s/Safeguarding/EbX1"
                    "?e=Ab12Cd\nand the chronology: https://drive.google.com/file/d/1a2B3c/view?usp=sharing\n")
    msg.add_alternative('<p>The referral form is <a href="https://frimleyhealth.sharepoint.com/:w:/s/Safeguarding/'
                        'EbX1?e=Ab12Cd">here</a>.</p>', subtype="html")
    return msg.as_bytes()
