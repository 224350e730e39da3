"""The one-line notices shown after an action ("decision recorded"): known keys only, never text from the URL.

A redirect after a form names what happened by key (`?done=decision_recorded`) and, for the few notices that
say which message, case, step or account, by typed parameters (`&message=12&ref=SAR-2026-0012`). The page
shows the text of a known key with parameters that pass their check; anything else shows nothing. So a link
such as `/cases/SAR-2026-0001?done=Your session expired: call 0800 ...` cannot put words on our pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from enum import StrEnum
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse

from intake.store.models import Role
from rules.review import StepKind


class Notice(StrEnum):
    """What an action did, for the notice on the page it returns to."""

    DECISION_RECORDED = "decision_recorded"
    ASSIGNED = "assigned"
    ASSIGNED_TO_YOU = "assigned_to_you"
    STATUS_CHANGED = "status_changed"
    NOTE_ADDED = "note_added"
    DUPLICATE_LINKED = "duplicate_linked"
    DUPLICATE_UNLINKED = "duplicate_unlinked"
    ATTACHMENT_READ = "attachment_read"
    UNLOCK_WRONG_PASSWORD = "unlock_wrong_password"
    UNLOCK_NOT_ENCRYPTED = "unlock_not_encrypted"
    FIELD_CORRECTED = "field_corrected"
    FIELD_ADDED = "field_added"
    FIELD_CORRECTED_SAME_PERSON = "field_corrected_same_person"
    FIELD_ADDED_SAME_PERSON = "field_added_same_person"
    ANSWER_MAPPED = "answer_mapped"
    MAPPING_UNDONE = "mapping_undone"
    LETTER_QUEUED = "letter_queued"
    STEP_RECORDED = "step_recorded"
    REQUEUED_ELSEWHERE = "requeued_elsewhere"
    FILED_AS_CASE = "filed_as_case"
    FILED_AS_FOLLOW_UP = "filed_as_follow_up"
    NOT_FILED = "not_filed"
    STILL_QUARANTINED = "still_quarantined"
    REQUEUED = "requeued"
    MARKED_NOT_REFERRAL = "marked_not_referral"
    MAIL_QUEUED_AGAIN = "mail_queued_again"
    USER_ADDED = "user_added"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    PASSWORD_RESET = "password_reset"
    ROLE_CHANGED = "role_changed"
    # For pages merged from issue 13's other parts (held acknowledgements; legal holds).
    HELD_RELEASED = "held_released"
    HELD_DISCARDED = "held_discarded"
    LEGAL_HOLD_PLACED = "legal_hold_placed"
    LEGAL_HOLD_RELEASED = "legal_hold_released"


_TEXTS: dict[Notice, str] = {
    Notice.DECISION_RECORDED: "decision recorded",
    Notice.ASSIGNED: "assigned",
    Notice.ASSIGNED_TO_YOU: "{ref} assigned to you",
    Notice.STATUS_CHANGED: "status changed",
    Notice.NOTE_ADDED: "note added",
    Notice.DUPLICATE_LINKED: "duplicate linked",
    Notice.DUPLICATE_UNLINKED: "duplicate unlinked",
    Notice.ATTACHMENT_READ: "attachment read: {count} field(s)",
    Notice.UNLOCK_WRONG_PASSWORD: "that password did not open the attachment",
    Notice.UNLOCK_NOT_ENCRYPTED: "the attachment is not encrypted",
    Notice.FIELD_CORRECTED: "field corrected",
    Notice.FIELD_ADDED: "field added",
    Notice.FIELD_CORRECTED_SAME_PERSON: "field corrected; possibly the same person as {ref}",
    Notice.FIELD_ADDED_SAME_PERSON: "field added; possibly the same person as {ref}",
    Notice.ANSWER_MAPPED: "answer mapped",
    Notice.MAPPING_UNDONE: "mapping undone",
    Notice.LETTER_QUEUED: "letter to the referrer queued",
    Notice.STEP_RECORDED: "step recorded: {step}",
    Notice.REQUEUED_ELSEWHERE: "message {message} requeued; another worker is processing it",
    Notice.FILED_AS_CASE: "message {message}: filed as {ref}",
    Notice.FILED_AS_FOLLOW_UP: "message {message}: filed under {ref} as a follow-up",
    Notice.NOT_FILED: "message {message}: kept, not filed (search for it below to see why)",
    Notice.STILL_QUARANTINED: "message {message}: still in quarantine (the list below says why)",
    Notice.REQUEUED: "message {message} requeued",
    Notice.MARKED_NOT_REFERRAL: "message {message} marked not a referral",
    Notice.MAIL_QUEUED_AGAIN: "email {email} queued again",
    Notice.USER_ADDED: "user {user} added as {role}",
    Notice.USER_DISABLED: "user {user} disabled",
    Notice.USER_ENABLED: "user {user} enabled",
    Notice.PASSWORD_RESET: "user {user}: password reset",
    Notice.ROLE_CHANGED: "user {user} is now {role}",
    Notice.HELD_RELEASED: "{count} held acknowledgement(s) released: they are sent now",
    Notice.HELD_DISCARDED: "{count} held acknowledgement(s) discarded: they will not be sent",
    Notice.LEGAL_HOLD_PLACED: "legal hold placed",
    Notice.LEGAL_HOLD_RELEASED: "legal hold released",
}

_NUMBER = re.compile(r"[0-9]{1,12}")
_REFERENCE = re.compile(r"[A-Z]{1,10}-[0-9]{4}-[0-9]{1,8}")


def _pattern(pattern: re.Pattern[str]) -> Callable[[str], str | None]:
    return lambda value: value if pattern.fullmatch(value) else None


def _step(value: str) -> str | None:
    try:
        return StepKind(value).label
    except ValueError:
        return None


def _role(value: str) -> str | None:
    return str(Role(value)) if value in set(Role) else None


# Each parameter a notice may carry, and its check: a value that fails shows no notice at all.
_PARAMETERS: dict[str, Callable[[str], str | None]] = {
    "ref": _pattern(_REFERENCE), "message": _pattern(_NUMBER), "email": _pattern(_NUMBER),
    "count": _pattern(_NUMBER), "step": _step, "role": _role,
    "user": lambda value: None,  # only names the page knows (`notice_of(..., users=...)`)
}
_NAMES = re.compile(r"\{(\w+)\}")


def notice_url(path: str, notice: Notice, fragment: str = "", **parameters: str | int) -> str:
    """`path` with the notice's key and parameters (what the redirect after an action goes to)."""
    query = urlencode({"done": notice.value, **{k: str(v) for k, v in parameters.items()}}, quote_via=quote)
    separator = "&" if "?" in path else "?"
    return f"{path}{separator}{query}{'#' + fragment if fragment else ''}"


def redirect(path: str, notice: Notice, fragment: str = "", **parameters: str | int) -> RedirectResponse:
    """A 303 back to `path` that shows the notice there."""
    return RedirectResponse(notice_url(path, notice, fragment, **parameters), status_code=303)


def notice_of(request: Request, *, users: Collection[str] = ()) -> str:
    """The text of the request's notice; "" unless `done` is a known key whose parameters all pass.

    `users`: the account names the page lists, the only names an account notice may show.
    """
    key = request.query_params.get("done", "")
    if key not in set(Notice):
        return ""
    text = _TEXTS[Notice(key)]
    values: dict[str, str] = {}
    for name in _NAMES.findall(text):
        given = request.query_params.get(name, "")
        checked = (given if given in users else None) if name == "user" else _PARAMETERS[name](given)
        if not checked:
            return ""
        values[name] = checked
    return text.format(**values)
