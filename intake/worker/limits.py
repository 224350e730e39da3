"""What one email may file, and what is kept with it for the case page (issue 13).

A crafted email must not make the queue store or show without bound: the subject is cut by the parser
(`parsers.message.MAX_SUBJECT_CHARS`), attachments are filed up to a configured number (forms first), and the
text the case page shows is kept at filing, bounded, so a case view never parses the raw email again. Each limit
met leaves a flag and a warning in words on the email: what is cut stays in the raw email, never silently lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from intake.store.ledger import Filing
from parsers.message import MAX_SUBJECT_CHARS, readable_text
from parsers.values import Attachment, Flag, ParsedEmail

MAX_BODY_CHARS = 200_000  # the most of an email's text kept for the case page; the whole email stays downloadable
SUBJECT_CUT = "subject_cut"  # a message flag: the subject was longer than MAX_SUBJECT_CHARS
_FLAG_VALUES = frozenset(flag.value for flag in Flag)


def within_limits(parsed: ParsedEmail, *, max_attachments: int,
                  is_form: Callable[[Attachment], bool]) -> tuple[ParsedEmail, Filing]:
    """The message cut to the limits, with a flag and a warning for each limit it met (and the flags the parser
    put on its attachments, such as an empty winmail.dat)."""
    notes = Filing(flags=tuple(sorted({f for a in parsed.attachments for f in a.flags})))
    if parsed.subject_cut_from:
        notes = noted(notes, SUBJECT_CUT, f"subject of {parsed.subject_cut_from:,} characters cut to "
                      f"{MAX_SUBJECT_CHARS}")
    if len(parsed.attachments) > max_attachments:
        kept = first_attachments(parsed.attachments, max_attachments, is_form)
        notes = noted(notes, str(Flag.TOO_MANY_ATTACHMENTS),
                      f"{len(parsed.attachments):,} attachments: the first {max_attachments} were filed (forms "
                      f"first); the other {len(parsed.attachments) - len(kept):,} are only in the downloadable email")
        parsed = replace(parsed, attachments=kept)
    return parsed, notes


def noted(notes: Filing, flag: str, warning: str) -> Filing:
    """The notes with one more flag and its warning."""
    return replace(notes, flags=tuple(sorted({*notes.flags, flag})), warnings=(*notes.warnings, warning))


def case_flags(notes: Filing) -> frozenset[Flag]:
    """The email's flags that its case shows too (a cut subject is the email's own business; a different sender
    is flagged on the case by the filing itself)."""
    return frozenset(Flag(f) for f in notes.flags if f in _FLAG_VALUES and f != Flag.DIFFERENT_SENDER)


def kept_for_the_case_page(notes: Filing, parsed: ParsedEmail) -> Filing:
    """What the case page reads of a filed email, kept now so that it never parses the raw email again."""
    text = readable_text(parsed)
    if len(text) > MAX_BODY_CHARS:
        text = (text[:MAX_BODY_CHARS] + f"\n\n[… {len(text) - MAX_BODY_CHARS:,} more characters: download the "
                "email to read it all]")
    return replace(notes, body_text=text, mail_date=parsed.date)


def first_attachments(attachments: Sequence[Attachment], limit: int,
                      is_form: Callable[[Attachment], bool]) -> tuple[Attachment, ...]:
    """At most `limit` attachments, forms first, in their order in the message."""
    forms = {n for n, a in enumerate(attachments) if is_form(a)}
    chosen = sorted(forms)[:limit]
    chosen += [n for n in range(len(attachments)) if n not in forms][:limit - len(chosen)]
    return tuple(attachments[n] for n in sorted(chosen))
