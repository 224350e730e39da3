"""Plain-English labels for canonical field names and decision codes, as the UI shows them."""

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
    "subject.resident_in_area": "Lives in our area",
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

CODE_LABELS: dict[str, str] = {
    "panel_notification": "notify Panel",  # the live clock (rules/review.py)
    "rapid_review": "rapid review",
    "met": "met", "not_met": "not met", "needs_information": "needs information", "not_applicable": "n/a",
    "mandatory": "mandatory", "discretionary": "discretionary", "notify": "notify the panel",
    "do_not_notify": "do not notify", "new": "new", "in_triage": "in triage",
    "awaiting_information": "awaiting information", "decided": "decided", "closed": "closed",
    "child": "child", "adult": "adult", "unknown": "unknown",
}

LOW_CONFIDENCE = 0.7


def field_label(name: str) -> str:
    """"Date of birth" for subject.date_of_birth; unknown names read as their last part."""
    return FIELD_LABELS.get(name, name.rsplit(".", 1)[-1].replace("_", " ").capitalize())


def code_label(code: str | None) -> str:
    """A code as words ("needs information")."""
    if code is None:
        return ""
    return CODE_LABELS.get(code, code.replace("_", " "))
