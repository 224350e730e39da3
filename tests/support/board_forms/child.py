"""Child forms of other boards and of the national notification, rebuilt with their question wording and
layout kind. Everyone named is invented; each form cites where its wording and structure were read."""

from __future__ import annotations

from parsers.values import FormType
from tests.support.board_forms.model import BoardForm, Criteria, Grid, Kind, Q, Section, Style, ticks

YES_NO = ("Yes", "No")

# Source: https://docest.com/doc/670313/notification-of-serious-child-care-incidents
# (Ofsted "Notification of serious childcare incident": numbered sections, two pairs a row, tick reasons).
OFSTED = BoardForm(
    key="ofsted_notification", board="Ofsted national notification", adult=False, kind=Kind.DOCX_TABLE,
    source="https://docest.com/doc/670313/notification-of-serious-child-care-incidents",
    title="Notification of serious childcare incident",
    form_type=FormType.CHILD_REFERRAL, others=("Dean Castillo", "Marnie Castillo", "Rio Castillo"),
    sections=(
        Section("1. Notifier details", (
            Q("Local authority", "Slough Borough Council", {"referrer.organisation": "Slough Borough Council"}),
            Q("Name", "Yasmin Achterberg", {"referrer.name": "Yasmin Achterberg"}),
            Q("Role", "Head of Service, Children's Social Care", {
                "referrer.role": "Head of Service, Children's Social Care"}),
            Q("Telephone number", "01753 496 330", {"referrer.phone": "01753 496 330"}),
            Q("Date notified (dd/mm/yyyy)", "06/03/2026", {"event.date_referred": "2026-03-06"}),
            Q("Linked cases", ""),
        ), Style.PAIRS),
        Section("2. Reason for notification (more than one box may be ticked)", (
            Criteria("Reason for notification", (
                ("Death of a looked-after child", True),
                ("Death or serious harm to a child in a children's home", False),
                ("Serious harm to a child", False),
            ), {"event.is_deceased": True, "child.looked_after": "yes"}),
        )),
        Section("3. Child details", (
            Q("Child's last name(s)", "Castillo", {"subject.surname": "Castillo"}),
            Q("Child's forename(s)", "Jayden", {"subject.forenames": "Jayden"}),
            Q("Other names used", ""),
            Q("Child's date of birth (dd/mm/yyyy)", "21/09/2011", {"subject.date_of_birth": "2011-09-21"}),
            Q("Age (if no DOB known)", ""),
            Q("Gender", ticks("Male", "Female", on="Male"), {"subject.sex": "male"}),
            Q("Parents' names", "Dean Castillo, Marnie Castillo"),
            Q("Siblings' names and ages", "Rio Castillo (9)"),
            Q("Date of death", "01/03/2026", {"event.date_of_death": "2026-03-01"}),
        ), Style.PAIRS),
    ),
)

# Source: https://www.kscmp.org.uk/procedures/child-safeguarding-practice-reviews/make-a-referral
# (KSCMP LCSPR referral: confirm "yes" to each criterion; legacy Word fields; a family table).
KSCMP = BoardForm(
    key="kscmp_lcspr", board="Kent Safeguarding Children Multi-Agency Partnership", adult=False,
    kind=Kind.DOCX_LEGACY,
    source="https://www.kscmp.org.uk/procedures/child-safeguarding-practice-reviews/make-a-referral",
    title="KSCMP Referral for a Local Child Safeguarding Practice Review",
    form_type=FormType.CHILD_REFERRAL, others=("Leanne Pike", "Stuart Pike"),
    sections=(
        Section("Criteria", (
            Criteria("Please confirm 'yes' to each of the following", (
                ("The child has died or has been seriously harmed", True),
                ("Abuse or neglect is known or suspected and is directly linked to the death or serious harm", True),
                ("The child is normally resident in Kent, or the incident occurred in Kent", True),
                ("The case highlights potential learning for the safeguarding system", True),
            ), {"event.abuse_or_neglect": "suspected"}),
        )),
        Section("Details of the child", (
            Q("Child's name", "Maisie Pike", {"subject.forenames": "Maisie", "subject.surname": "Pike"}),
            Q("Date of birth", "03/02/2024", {"subject.date_of_birth": "2024-02-03"}),
            Q("Address", "12 Tonbridge Road, Maidstone ME16 8RP", {
                "subject.address": "12 Tonbridge Road, Maidstone ME16 8RP", "subject.postcode": "ME16 8RP"}),
            Q("Has the child died?", ticks(*YES_NO, on="No"), {"event.is_deceased": False}),
            Q("Has the child been seriously harmed?", ticks(*YES_NO, on="Yes"), {"event.seriously_harmed": "yes"}),
            Q("Date of incident", "27/02/2026", {"event.date_of_incident": "2026-02-27"}),
            Q("Is the child looked after?", ticks(*YES_NO, on="No"), {"child.looked_after": "no"}),
            Q("Is the child subject to a child protection plan?", ticks(*YES_NO, on="Yes"),
              {"child.child_protection_plan": "yes"}),
        )),
        Section("Family members", (
            Grid(("Name", "Relationship to child", "Date of birth", "Address"), (
                ("Leanne Pike", "Mother", "11/10/1999", "12 Tonbridge Road, Maidstone"),
                ("Stuart Pike", "Father", "02/04/1997", "HMP Elmley"),
            )),
        )),
        Section("Details of the referrer", (
            Q("Name", "Gareth Imrie", {"referrer.name": "Gareth Imrie"}),
            Q("Job title", "Designated Nurse Safeguarding Children", {
                "referrer.role": "Designated Nurse Safeguarding Children"}),
            Q("Organisation", "Kent and Medway ICB", {"referrer.organisation": "Kent and Medway ICB"}),
            Q("Email", "gareth.imrie@kmicb.example.nhs.uk", {"referrer.email": "gareth.imrie@kmicb.example.nhs.uk"}),
            Q("Date of referral", "04/03/2026", {"event.date_referred": "2026-03-04"}),
        )),
    ),
)

# Source: https://docslib.org/doc/13917526/hounslow-local-safeguarding-children-board
# (Hounslow "Case Review Referral" to the case review sub-group; flat PDF as printed).
HOUNSLOW = BoardForm(
    key="hounslow_case_review", board="Hounslow Safeguarding Children Board", adult=False, kind=Kind.PDF_FLAT,
    source="https://docslib.org/doc/13917526/hounslow-local-safeguarding-children-board",
    title="Hounslow Safeguarding Children Board Case Review Referral",
    form_type=FormType.CHILD_REFERRAL, others=("Hounslow Primary Care Network",),
    sections=(
        Section("Referral", (
            Q("Is this case being brought to the case sub-group for consideration as a SCR",
              ticks(*YES_NO, on="Yes")),
            Q("Is this case being brought to the case sub-group for the purpose of learning:", ticks(*YES_NO, on="No")),
        )),
        Section("Referrer details", (
            Q("Name", "Sunita Bhardwaj", {"referrer.name": "Sunita Bhardwaj"}),
            Q("Designation", "Child Protection Adviser", {"referrer.role": "Child Protection Adviser"}),
            Q("Agency", "Hounslow Education Services", {"referrer.organisation": "Hounslow Education Services"}),
            Q("Telephone", "020 8583 4960", {"referrer.phone": "020 8583 4960"}),
        )),
        Section("Child's details", (
            Q("Name of child", "Tyrone Asante-Mills",
              {"subject.forenames": "Tyrone", "subject.surname": "Asante-Mills"}),
            Q("Date of birth", "13/01/2010", {"subject.date_of_birth": "2010-01-13"}),
            Q("Gender", "Male", {"subject.sex": "male"}),
            Q("Date of incident", "19/02/2026", {"event.date_of_incident": "2026-02-19"}),
            Q("Has the child died?", ticks(*YES_NO, on="No"), {"event.is_deceased": False}),
            Q("Is abuse or neglect known or suspected?", ticks("Known", "Suspected", on="Known"),
              {"event.abuse_or_neglect": "known"}),
            Q("Brief summary of case", "Stabbed near school; known to youth offending and CAMHS.",
              {"event.summary": "Stabbed near school; known to youth offending and CAMHS."}),
        )),
        Section("Agencies involved", (
            Q("Agency", "Hounslow Primary Care Network"),
            Q("Contact", "Safeguarding GP lead"),
        )),
    ),
)

# Source: https://paperzz.com/doc/7270137/mscb-scr-referral-form-issued-may-2017
# (Manchester SCB "Serious Case Review Referral Form", Section 1: Referral; numbered questions; fillable PDF).
MANCHESTER = BoardForm(
    key="manchester_scr", board="Manchester Safeguarding Children Board", adult=False, kind=Kind.PDF_FILLABLE,
    source="https://paperzz.com/doc/7270137/mscb-scr-referral-form-issued-may-2017",
    title="MSCB Serious Case Review Referral Form",
    form_type=FormType.CHILD_REFERRAL,
    sections=(
        Section("1. Referrer details", (
            Q("1.1 Name of referrer", "Anwen Pritchard", {"referrer.name": "Anwen Pritchard"}),
            Q("1.2 Job title", "Safeguarding Practitioner", {"referrer.role": "Safeguarding Practitioner"}),
            Q("1.3 Agency", "Manchester University NHS FT", {"referrer.organisation": "Manchester University NHS FT"}),
            Q("1.4 Telephone", "0161 496 0275", {"referrer.phone": "0161 496 0275"}),
            Q("1.5 Email", "anwen.pritchard@mft.example.nhs.uk",
              {"referrer.email": "anwen.pritchard@mft.example.nhs.uk"}),
            Q("1.6 Date of referral", "26/02/2026", {"event.date_referred": "2026-02-26"}),
        )),
        Section("2. Details of the child", (
            Q("2.1 Child's forename(s)", "Ezra", {"subject.forenames": "Ezra"}),
            Q("2.2 Child's surname", "Lindqvist", {"subject.surname": "Lindqvist"}),
            Q("2.3 Date of birth", "08/08/2025", {"subject.date_of_birth": "2025-08-08"}),
            Q("2.4 Home address", "Flat 3, 40 Wilmslow Road, Manchester M14 5TQ", {
                "subject.address": "Flat 3, 40 Wilmslow Road, Manchester M14 5TQ", "subject.postcode": "M14 5TQ"}),
        )),
        Section("3. The incident", (
            Q("3.1 Has the child died?", ticks(*YES_NO, on="No"), {"event.is_deceased": False}),
            Q("3.2 Date of death", ""),
            Q("3.3 Has the child been seriously harmed?", ticks(*YES_NO, on="Yes"), {"event.seriously_harmed": "yes"}),
            Q("3.4 Is abuse or neglect known or suspected?", ticks("Known", "Suspected", on="Suspected"),
              {"event.abuse_or_neglect": "suspected"}),
            Q("3.5 Is the child subject to a child protection plan?", ticks(*YES_NO, on="No"),
              {"child.child_protection_plan": "no"}),
            Q("3.6 Brief summary", "Infant admitted with rib fractures and a subdural bleed.",
              {"event.summary": "Infant admitted with rib fractures and a subdural bleed."}),
        )),
    ),
)

# Source: https://childsafeguarding.education.gov.uk/ and https://www.gov.uk/guidance/report-a-serious-child-safeguarding-incident
# (what the national notification asks: your details, each child's name, age and area, the incident's
# location and date; several children in one table, one row each).
NATIONAL = BoardForm(
    key="national_notification", board="Child Safeguarding Practice Review Panel", adult=False,
    kind=Kind.DOCX_CONTROLS,
    source="https://childsafeguarding.education.gov.uk/",
    title="Notification of a serious child safeguarding incident",
    form_type=FormType.CHILD_REFERRAL, others=("Amara Osei",),
    sections=(
        Section("Your details", (
            Q("Name", "Helen Marchetti", {"referrer.name": "Helen Marchetti"}),
            Q("Your phone number", "01483 496 412", {"referrer.phone": "01483 496 412"}),
            Q("Email address", "helen.marchetti@surrey.example.gov.uk",
              {"referrer.email": "helen.marchetti@surrey.example.gov.uk"}),
            Q("Local authority", "Surrey County Council", {"referrer.organisation": "Surrey County Council"}),
        ), Style.PAIRS),
        Section("Details of each child", (
            Grid(("Child's first name", "Child's last name", "Date of birth", "Sex"), (
                ("Kofi", "Osei", "14/06/2015", "Male"),
                ("Amara", "Osei", "02/01/2018", "Female"),
            ), {"subject.forenames": "Kofi", "subject.surname": "Osei", "subject.date_of_birth": "2015-06-14",
                "subject.sex": "male"}),
        )),
        Section("Details of the incident", (
            Q("Date of incident", "25/02/2026", {"event.date_of_incident": "2026-02-25"}),
            Q("Location of incident", "Canal towpath, Woking", {"event.place": "Canal towpath, Woking"}),
            Q("Did the child die?", ticks(*YES_NO, on="No"), {"event.is_deceased": False}),
            Q("Was the child seriously harmed?", ticks(*YES_NO, on="Yes"), {"event.seriously_harmed": "yes"}),
            Q("Is abuse or neglect known or suspected?", ticks("Known", "Suspected", on="Suspected"),
              {"event.abuse_or_neglect": "suspected"}),
            Q("Was the child looked after?", ticks(*YES_NO, on="No"), {"child.looked_after": "no"}),
            Q("Case outline", "Found unconscious after being missing overnight; exploitation suspected.",
              {"event.summary": "Found unconscious after being missing overnight; exploitation suspected."}),
        )),
    ),
)

CHILD_FORMS = (OFSTED, KSCMP, HOUNSLOW, MANCHESTER, NATIONAL)
