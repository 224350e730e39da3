"""The one table of words for codes: every field name, decision, status, flag, signpost and audit action as
staff read it. The web pages, the digest and the CSV export all read it from here (the lowest layer, so every
layer may), so a code is never shown raw and is worded the same everywhere.
"""

from __future__ import annotations

FIELD_LABELS: dict[str, str] = {
    "subject.forenames": "Forenames",
    "subject.surname": "Surname",
    "subject.date_of_birth": "Date of birth",
    "subject.age": "Age",
    "subject.expected_delivery_date": "Expected delivery date",
    "subject.sex": "Sex",
    "subject.nhs_number": "NHS number",
    "subject.address": "Address",
    "subject.postcode": "Postcode",
    "subject.resident_in_area": "Lives in our area",
    "referrer.name": "Referrer's name",
    "referrer.role": "Referrer's role",
    "referrer.organisation": "Referrer's organisation",
    "referrer.email": "Referrer's email",
    "referrer.phone": "Referrer's phone",
    "event.is_deceased": "Has died",
    "event.date_of_death": "Date of death",
    "event.date_of_incident": "Date of incident",
    "event.date_la_aware": "Date the local authority became aware",
    "event.date_referred": "Date of the referral",
    "event.death_resulted_from_abuse": "Death resulted from abuse or neglect",
    "event.place": "Where it happened",
    "event.in_area": "Happened in our area",
    "event.abuse_or_neglect": "Abuse or neglect",
    "event.abuse_types": "Types of abuse",
    "event.seriously_harmed": "Seriously harmed",
    "event.perpetrator_relationship": "Relationship of the person harming",
    "event.summary": "Summary of the event",
    "adult.care_and_support_needs": "Care and support needs",
    "adult.joint_working_concern": "Concern about how agencies worked together",
    "adult.learning_disability": "Learning disability",
    "adult.autistic": "Autistic",
    "child.looked_after": "Looked-after child",
    "child.child_protection_plan": "Child protection plan",
    "child.care_leaver": "Care leaver",
}

# Codes by what they are; one code has one wording wherever it appears.
CODE_LABELS: dict[str, str] = {
    # the live clock of a case (rules/review.py)
    "panel_notification": "notify Panel", "rapid_review": "rapid review",
    # recommendations and decisions
    "met": "met", "not_met": "not met", "needs_information": "needs information", "not_applicable": "not applicable",
    "mandatory": "mandatory (s44(1)-(3))", "discretionary": "discretionary (s44(4))", "notify": "notify the panel",
    "do_not_notify": "do not notify",
    # case status
    "new": "new", "in_triage": "in triage", "awaiting_information": "awaiting information", "decided": "decided",
    "closed": "closed",
    # tracks and form types
    "child": "child", "adult": "adult", "unknown": "not known", "sar_referral": "SAR referral form",
    "child_referral": "child safeguarding referral form",
    # yes / no / unknown and other field values
    "yes": "yes", "no": "no", "known": "known", "suspected": "suspected", "not_suspected": "not suspected",
    "male": "male", "female": "female", "other": "other",
    "physical": "physical", "sexual": "sexual", "sexual_exploitation": "sexual exploitation",
    "criminal_exploitation": "criminal exploitation", "psychological": "psychological or emotional",
    "financial_material": "financial or material", "neglect": "neglect", "self_neglect": "self-neglect",
    "domestic": "domestic abuse", "modern_slavery": "modern slavery", "discriminatory": "discriminatory",
    "organisational": "organisational", "intimate_partner": "intimate partner", "former_partner": "former partner",
    "relative": "relative", "household_member": "household member", "carer": "carer", "staff": "staff",
    # flags
    "no_form": "no form attached", "encrypted_attachment": "password-protected attachment",
    "scanned_form": "scanned form (typed in by hand)", "unsupported_attachment": "attachment in a format not read",
    "invalid_nhs_number": "NHS number fails its check", "possible_duplicate": "possible duplicate",
    "track_mismatch": "form type disagrees with age", "transition_case": "transition case (child then adult)",
    "care_leaver": "care leaver", "unreadable_attachment": "attachment could not be read",
    "attachment_too_large": "attachment too large", "form_not_extracted": "form could not be read",
    "deadline_estimated": "deadline estimated from the date received", "age_uncertain": "age uncertain",
    "contradiction": "two answers disagree", "out_of_area": "out of area",
    "acknowledgement_bounced": "acknowledgement bounced",
    "invalid_sender_address": "no valid sender address",
    "different_sender": "from a different sender — not applied", "empty_winmail": "winmail.dat held nothing",
    "too_many_attachments": "more attachments than the limit", "subject_cut": "subject too long, cut",
    # signposts
    "cdr": "child death review", "lac_death_notification": "looked-after child death: notify DfE and Ofsted",
    "dardr": "domestic abuse related death review", "leder": "LeDeR review (learning disability or autism)",
    "live_concern": "live concern: refer to social care now",
    "care_leaver_death_notification": "care leaver death: notify DfE and Ofsted",
    # ledger dispositions
    "case": "new case", "follow_up": "follow-up", "ignored": "kept, not filed", "quarantined": "quarantined",
    # roles
    "triage": "triage", "manager": "manager", "admin": "administrator",
    # outgoing mail
    "acknowledgement": "acknowledgement", "referrer_reply": "reply to the referrer", "pending": "waiting to send",
    "sending": "sending", "sent": "sent", "failed": "failed", "suppressed": "not sent",
    # audit actions (people and the system)
    "signed_in": "signed in", "signed_out": "signed out", "sign_in_refused": "sign-in refused",
    "sign_in_throttled": "sign-ins slowed for this name after many failures",
    "case_viewed": "viewed the case", "email_downloaded": "downloaded the email",
    "attachment_downloaded": "opened an attachment", "field_corrected": "corrected a field",
    "field_added": "added a field", "decision_recorded": "recorded a decision", "case_assigned": "assigned the case",
    "status_changed": "changed the status", "note_added": "added a note", "duplicate_linked": "linked a duplicate",
    "duplicate_unlinked": "unlinked a duplicate", "message_requeued": "requeued a message",
    "message_not_referral": "marked a message not a referral", "mail_retried": "retried an email",
    "queue_exported": "exported the queue", "attachment_unlocked": "unlocked an attachment",
    "attachment_unlock_refused": "tried a wrong password", "referrer_replied_to": "wrote to the referrer",
    "case_created": "case created", "follow_up_received": "follow-up received",
    "acknowledgement_sent": "acknowledgement sent",
    "acknowledgement_suppressed": "acknowledgement not sent", "bounce_received": "bounce received",
    "duplicates_checked": "checked for duplicates",
    # retention (issue 13)
    "legal_hold_placed": "placed a legal hold", "legal_hold_released": "released a legal hold",
    "data_purged": "deleted data under the retention policy",
    # flood caps (issue 13): the outbox state, and who let held mail go or discarded it
    "held": "held (flood cap)", "acknowledgement_held": "acknowledgement held (flood cap)",
    "held_mail_released": "released a held acknowledgement", "held_mail_discarded": "discarded a held acknowledgement",
    "proposed_field_accepted": "accepted a proposed field", "proposed_field_rejected": "rejected a proposed field",
    "different_sender_reviewed": "reviewed mail from a different sender",
}


def field_label(name: str) -> str:
    """"Date of birth" for subject.date_of_birth; unknown names read as their last part."""
    return FIELD_LABELS.get(name, name.rsplit(".", 1)[-1].replace("_", " ").capitalize())


def code_label(code: object) -> str:
    """A code as words ("needs information"); None as ""; booleans as yes/no; lists joined."""
    if code is None:
        return ""
    if isinstance(code, bool):
        return "yes" if code else "no"
    if isinstance(code, list | tuple):
        return ", ".join(code_label(c) for c in code)
    text = str(code)
    return CODE_LABELS.get(text, text.replace("_", " "))
