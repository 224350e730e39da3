"""Adult forms of other boards, rebuilt with each board's question wording and layout kind.

Everyone named is invented. Each form cites where its wording and structure were read; the prose of the
sources is not copied, only the printed questions and how they are laid out.
"""

from __future__ import annotations

from parsers.values import Flag, FormType
from tests.support.board_forms.model import BoardForm, Criteria, Kind, Q, Section, Style, ticks

YES_NO = ("Yes", "No")

# Source: https://leedssab.org.uk/i-work-with-adults/safeguarding-adults-reviews/safeguarding-adults-reviews
# (the board's plain-text version: "copy the questions from this page into an email").
LEEDS = BoardForm(
    key="leeds_notification", board="Leeds SAB", adult=True, kind=Kind.EMAIL,
    source="https://leedssab.org.uk/i-work-with-adults/safeguarding-adults-reviews/safeguarding-adults-reviews",
    title="Notification of Potential Safeguarding Adults Review",
    form_type=FormType.SAR_REFERRAL,
    sections=(
        Section("1. Your details", (
            Q("Name", "Farah Quinlan", {"referrer.name": "Farah Quinlan"}),
            Q("Job title", "Adult Safeguarding Lead", {"referrer.role": "Adult Safeguarding Lead"}),
            Q("Organisation (if applicable)", "Aire Valley Community Health",
              {"referrer.organisation": "Aire Valley Community Health"}),
            Q("Email address", "f.quinlan@airevalley.example.org",
              {"referrer.email": "f.quinlan@airevalley.example.org"}),
            Q("Telephone number", "0113 496 0712", {"referrer.phone": "0113 496 0712"}),
        )),
        Section("2. Details of the adult", (
            Q("Name", "Bernard Okonjo-Hale", {"subject.forenames": "Bernard", "subject.surname": "Okonjo-Hale"}),
            Q("Date of birth", "04/11/1958", {"subject.date_of_birth": "1958-11-04"}),
            Q("Address", "22 Kirkstall Mews, Leeds LS5 3QT",
              {"subject.address": "22 Kirkstall Mews, Leeds LS5 3QT", "subject.postcode": "LS5 3QT"}),
            Q("Has the adult died?", ticks(*YES_NO, on="Yes"), {"event.is_deceased": True}),
            Q("Date of death", "17 January 2026", {"event.date_of_death": "2026-01-17"}),
        )),
        Section("3. The criteria", (
            Q("Did the adult have needs for care and support (whether or not the local authority was meeting any "
              "of those needs)?", ticks(*YES_NO, on="Yes"), {"adult.care_and_support_needs": "yes"}),
            Q("Is abuse or neglect, including self-neglect, known or suspected?", ticks("Known", "Suspected",
              on="Suspected"), {"event.abuse_or_neglect": "suspected"}),
            Q("Is there reasonable cause for concern about how the Board, its members or others worked together to "
              "safeguard the adult?", ticks(*YES_NO, on="Yes"), {"adult.joint_working_concern": "yes"}),
            Q("Please give a brief description of the circumstances",
              "Lived alone; missed dialysis for three weeks; two agencies closed the case.",
              {"event.summary": "Lived alone; missed dialysis for three weeks; two agencies closed the case."}),
        )),
    ),
)

# Source: https://docslib.org/doc/13684950/form-to-request-a-safeguarding-adults-review
# (Kent and Medway SAB, "Request for a Safeguarding Adults Review (SAR)", based on Bristol SAB's form).
KENT_MEDWAY = BoardForm(
    key="kent_medway_request", board="Kent and Medway SAB", adult=True, kind=Kind.DOCX_CONTROLS,
    source="https://docslib.org/doc/13684950/form-to-request-a-safeguarding-adults-review",
    title="Kent and Medway Safeguarding Adults Board (KMSAB) Request for a Safeguarding Adults Review (SAR)",
    form_type=FormType.SAR_REFERRAL, others=("Harriet Quill",),
    sections=(
        Section("Referrer details", (
            Q("Name", "Tomasz Wren", {"referrer.name": "Tomasz Wren"}),
            Q("Job title", "Team Manager", {"referrer.role": "Team Manager"}),
            Q("Organisation", "Medway Adult Social Care", {"referrer.organisation": "Medway Adult Social Care"}),
            Q("Email", "tomasz.wren@medway.example.gov.uk", {"referrer.email": "tomasz.wren@medway.example.gov.uk"}),
            Q("Telephone", "01634 496 221", {"referrer.phone": "01634 496 221"}),
            Q("Date of referral", "02/02/2026", {"event.date_referred": "2026-02-02"}),
        ), Style.PAIRS),
        Section("Details of the adult", (
            Q("Name", "Gloria Ashdown", {"subject.forenames": "Gloria", "subject.surname": "Ashdown"}),
            Q("Date of birth", "30/06/1947", {"subject.date_of_birth": "1947-06-30"}),
            Q("Address", "Flat 9, Rochester Court, Chatham", {"subject.address": "Flat 9, Rochester Court, Chatham"}),
            Q("Gender", ticks("Male", "Female", on="Female"), {"subject.sex": "female"}),
            Q("NHS number", "", {}),
            Q("Name of GP", "Dr Harriet Quill"),
            Q("Date of death", "12.01.2026", {"event.date_of_death": "2026-01-12"}),
        ), Style.PAIRS),
        Section("Statutory criteria", (
            Criteria("Which of the criteria apply? (please tick)", (
                ("An adult at risk dies (including death by suicide), and abuse or neglect is known or suspected "
                 "to be a factor in their death", True),
                ("An adult at risk has sustained a life threatening injury through abuse or neglect", False),
                ("The case gives rise to concerns about the way in which local professionals and services worked "
                 "together to protect and safeguard the adult", True),
            ), {"event.is_deceased": True, "event.abuse_or_neglect": "suspected",
                "event.death_resulted_from_abuse": "yes", "adult.joint_working_concern": "yes"}),
        )),
    ),
)

# Source: https://docsbay.net/doc/700812/cases-should-be-referred-to-the-safeguarding-adults-review-sub-group-sarsg-for-consideration
# (Teesside SAB referral, "Section 1: Referral", numbered sub-sections, two label/answer pairs a row).
TEESSIDE = BoardForm(
    key="teesside_referral", board="Teesside SAB", adult=True, kind=Kind.DOCX_LEGACY,
    source="https://docsbay.net/doc/700812/",
    title="TSAB Safeguarding Adults Review Referral Form",
    form_type=FormType.SAR_REFERRAL,
    sections=(
        Section("1.1 Referral Details", (
            Q("Date of notification:", "5/3/2026", {"event.date_referred": "2026-03-05"}),
            Q("Name of referrer:", "Imogen Castell", {"referrer.name": "Imogen Castell"}),
            Q("Role of referrer", "Named Professional Safeguarding Adults", {
                "referrer.role": "Named Professional Safeguarding Adults"}),
            Q("Agency:", "Tees Valley Mental Health Trust",
              {"referrer.organisation": "Tees Valley Mental Health Trust"}),
            Q("Address:", "Trust HQ, Marton Road, Middlesbrough TS4 3BW"),
            Q("Tel No.", "01642 496 038", {"referrer.phone": "01642 496 038"}),
        ), Style.PAIRS),
        Section("1.2 Details of the adult", (
            Q("Name:", "Desmond Farrier", {"subject.forenames": "Desmond", "subject.surname": "Farrier"}),
            Q("Date of Birth:", "19.08.1971", {"subject.date_of_birth": "1971-08-19"}),
            Q("Address:", "41 Cargo Fleet Lane, Middlesbrough TS3 8AB", {
                "subject.address": "41 Cargo Fleet Lane, Middlesbrough TS3 8AB", "subject.postcode": "TS3 8AB"}),
            Q("Date of death (if applicable):", ""),
            Q("Date of incident:", "22/02/2026", {"event.date_of_incident": "2026-02-22"}),
            Q("Has the adult died?", ticks(*YES_NO, on="No"), {"event.is_deceased": False}),
        ), Style.PAIRS),
        Section("1.3 Reason for referral", (
            Q("Has the adult experienced serious abuse or neglect?", ticks(*YES_NO, on="Yes"),
              {"event.seriously_harmed": "yes"}),
            Q("Are there concerns about the way local professionals and services worked together?",
              ticks(*YES_NO, on="Yes"), {"adult.joint_working_concern": "yes"}),
            Q("Type of abuse", ticks("Physical", "Financial", "Neglect", "Self-neglect", on=("Financial", "Neglect")),
              {"event.abuse_types": ("financial_material", "neglect")}),
        )),
    ),
)

# Source: https://docest.com/doc/657592/referral-to-cambridgeshire-and-peterborough-safeguarding-adults-review-sub-group-requesting
CAMBS = BoardForm(
    key="cambs_peterborough", board="Cambridgeshire and Peterborough SAB", adult=True, kind=Kind.PDF_FILLABLE,
    source="https://docest.com/doc/657592/",
    title="Referral to Cambridgeshire and Peterborough Safeguarding Adults Review Sub-Group",
    form_type=FormType.SAR_REFERRAL,
    sections=(
        Section("Referrer's details", (
            Q("Name and role of referrer", "Priya Natarajan, Safeguarding Adults Lead",
              {"referrer.name": "Priya Natarajan", "referrer.role": "Safeguarding Adults Lead"}),
            Q("Agency", "Fenland District Council", {"referrer.organisation": "Fenland District Council"}),
            Q("Contact telephone number", "01354 496 117", {"referrer.phone": "01354 496 117"}),
            Q("Email", "p.natarajan@fenland.example.gov.uk", {"referrer.email": "p.natarajan@fenland.example.gov.uk"}),
        )),
        Section("Details of the adult", (
            Q("Full name", "Winifred Amos", {"subject.forenames": "Winifred", "subject.surname": "Amos"}),
            Q("Date of Birth / Age", "approx 67", {"subject.age": 67}),
            Q("Address", "3 Bridge Street, Chatteris PE16 6RN", {
                "subject.address": "3 Bridge Street, Chatteris PE16 6RN", "subject.postcode": "PE16 6RN"}),
        )),
        Section("Criteria for a SAR", (
            Q("Did the adult have care and support needs?", ticks(*YES_NO, on="Yes"),
              {"adult.care_and_support_needs": "yes"}),
            Q("Has the adult died?", ticks(*YES_NO, on="No"), {"event.is_deceased": False}),
            Q("Has the adult experienced serious abuse or neglect?", ticks(*YES_NO, on="Yes"),
              {"event.seriously_harmed": "yes"}),
            Q("Did agencies work together effectively?", ticks(*YES_NO, on="Yes"),
              {"adult.joint_working_concern": "no"}),
            Q("Why do you think this case meets the criteria?", "Repeated falls at home; financial abuse by a lodger.",
              {"event.summary": "Repeated falls at home; financial abuse by a lodger."}),
        )),
    ),
)

# Source: https://docest.com/doc/547119/referral-form-for-one-panel
# (one form for SAR, DHR and SCR; "1. / Refer" numbered section rows; two pairs a row).
ONE_PANEL = BoardForm(
    key="one_panel", board="One Panel (SAR/DHR/SCR)", adult=True, kind=Kind.DOCX_TABLE,
    source="https://docest.com/doc/547119/referral-form-for-one-panel",
    title="Referral form for One Panel",
    intro="For a Safeguarding Adult Review (SAR), Domestic Homicide Review (DHR) or Serious Case Review (SCR).",
    form_type=FormType.SAR_REFERRAL, others=("Dr Amal Farouk", "Kenneth Bryce"),
    sections=(
        Section("1. Refer", (
            Q("Name:", "Olu Adebayo", {"referrer.name": "Olu Adebayo"}),
            Q("Role:", "Detective Sergeant", {"referrer.role": "Detective Sergeant"}),
            Q("Agency:", "Metropolitan Police", {"referrer.organisation": "Metropolitan Police"}),
            Q("Tel. number:", "020 7946 0381", {"referrer.phone": "020 7946 0381"}),
            Q("Date of notification:", "9 March 2026", {"event.date_referred": "2026-03-09"}),
            Q("Linked cases if any:", "None known"),
        ), Style.PAIRS),
        Section("2. Case outline", (
            Q("Case outline", "Found dead at home; partner arrested; three agencies involved in the year before.",
              {"event.summary": "Found dead at home; partner arrested; three agencies involved in the year before."}),
        )),
        Section("3. Subjects details", (
            Q("Last name:", "Bryce", {"subject.surname": "Bryce"}),
            Q("Date of birth:", "14/05/1979", {"subject.date_of_birth": "1979-05-14"}),
            Q("Forename:", "Shona", {"subject.forenames": "Shona"}),
            Q("Age (if D.O.B. not known):", ""),
            Q("Other names used:", "Shona Reid"),
            Q("Gender:", "Female", {"subject.sex": "female"}),
            Q("GP", "Dr Amal Farouk"),
            Q("Date of death", "02/03/2026", {"event.date_of_death": "2026-03-02", "event.is_deceased": True}),
        ), Style.PAIRS),
        Section("4. Next of kin / nearest relative", (
            Q("Name:", "Kenneth Bryce"),
            Q("Relationship:", "Father"),
            Q("Address of above", "8 Forest Road, London E17 6JF"),
        ), Style.PAIRS),
    ),
)

# Source: https://docest.com/doc/101851/it-is-intended-that-you-complete-the-form-electronically-andsend-it-via-email-to
# (an s42 safeguarding concern form, sent to the review mailbox by mistake: not a review referral).
S42_CONCERN = BoardForm(
    key="s42_concern", board="Safeguarding Adults (s42) concern form", adult=True, kind=Kind.PDF_FLAT,
    source="https://docest.com/doc/101851/",
    title="Safeguarding Adults Referral Form",
    intro="This form notifies Adult Social Care of suspected or actual abuse or neglect: the start of a "
          "Safeguarding Adults (Section 42) Enquiry.",
    form_type=FormType.UNKNOWN, flags=frozenset({Flag.SAFEGUARDING_CONCERN_FORM}), others=("Craig Mulholland",),
    sections=(
        Section("Details of person completing this form", (
            Q("Name:", "Ruth Sandoval", {"referrer.name": "Ruth Sandoval"}),
            Q("Organisation:", "Brookfield Care Home", {"referrer.organisation": "Brookfield Care Home"}),
            Q("Job title:", "Registered Manager", {"referrer.role": "Registered Manager"}),
            Q("Type of service:", "Residential care"),
            Q("Email address:", "manager@brookfield.example.co.uk",
              {"referrer.email": "manager@brookfield.example.co.uk"}),
            Q("Phone number:", "01904 496 550", {"referrer.phone": "01904 496 550"}),
            Q("Date of referral to Adult Social Care:", "11/02/2026", {"event.date_referred": "2026-02-11"}),
        ), Style.PAIRS),
        Section("Details of incident/suspected/actual abuse or neglect", (
            Q("Date of alleged incident:", "09/02/2026", {"event.date_of_incident": "2026-02-09"}),
            Q("Who reported the alert/concern?", "Night carer"),
            Q("Where did the incident occur?", "Resident's room, Brookfield Care Home",
              {"event.place": "Resident's room, Brookfield Care Home"}),
        ), Style.PAIRS),
        Section("Details of the adult at risk", (
            Q("Name:", "Edith Mulholland", {"subject.forenames": "Edith", "subject.surname": "Mulholland"}),
            Q("Date of Birth:", "02/12/1936", {"subject.date_of_birth": "1936-12-02"}),
            Q("Telephone:", "01904 496 551"),
            Q("Ethnicity:", "White British"),
        ), Style.PAIRS),
        Section("Details of the person alleged to have caused harm (where relevant)", (
            Q("Name:", "Craig Mulholland"),
            Q("Date of Birth:", "23/07/1966"),
            Q("Address:", "5 Heworth Green, York YO31 7TQ"),
            Q("Relationship to adult at risk:", "Son", {"event.perpetrator_relationship": "relative"}),
        ), Style.PAIRS),
    ),
)

# Source: https://micrositestest.eastsussex.gov.uk/microsites/east-sussex-sab/sars/referral
# (the criteria questions the Sussex SAR referral asks; "Label: answer" typed into one cell per question).
EAST_SUSSEX = BoardForm(
    key="east_sussex", board="East Sussex SAB", adult=True, kind=Kind.DOCX_TABLE,
    source="https://micrositestest.eastsussex.gov.uk/microsites/east-sussex-sab/sars/referral",
    title="Safeguarding Adult Review (SAR) Referral Form",
    form_type=FormType.SAR_REFERRAL,
    sections=(
        Section("Your details", (
            Q("Name", "Callum Ferris", {"referrer.name": "Callum Ferris"}),
            Q("Tel. number", "01273 496 804", {"referrer.phone": "01273 496 804"}),
            Q("Organisation", "Sussex Community NHS Foundation Trust",
              {"referrer.organisation": "Sussex Community NHS Foundation Trust"}),
            Q("Email", "callum.ferris@sussexcommunity.example.nhs.uk",
              {"referrer.email": "callum.ferris@sussexcommunity.example.nhs.uk"}),
        ), Style.INLINE),
        Section("About the person", (
            Q("Name", "Agnieszka Dlugosz", {"subject.forenames": "Agnieszka", "subject.surname": "Dlugosz"}),
            Q("Date of birth", "7th April 1990", {"subject.date_of_birth": "1990-04-07"}),
            Q("Address", "Room 4, 19 Marine Parade, Hastings TN34 3AL",
              {"subject.address": "Room 4, 19 Marine Parade, Hastings TN34 3AL", "subject.postcode": "TN34 3AL"}),
            Q("Has the person died?", ticks(*YES_NO, on="No"), {"event.is_deceased": False}),
        )),
        Section("SAR criteria", (
            Q("If the person is alive, has there been serious abuse or neglect?", ticks(*YES_NO, on="Yes"),
              {"event.seriously_harmed": "yes"}),
            Q("Did or does the person have care and support needs?", ticks(*YES_NO, on="Yes"),
              {"adult.care_and_support_needs": "yes"}),
            Q("Has there been a concluded enquiry by an agency, like adult social care, the police or health?",
              ticks(*YES_NO, on="Yes")),
            Q("Could there be learning to improve multi-agency working?", ticks(*YES_NO, on="Yes"),
              {"adult.joint_working_concern": "yes"}),
            Q("Date form completed", "23/02/2026", {"event.date_referred": "2026-02-23"}),
        )),
    ),
)

ADULT_FORMS = (LEEDS, KENT_MEDWAY, TEESSIDE, CAMBS, ONE_PANEL, S42_CONCERN, EAST_SUSSEX)
