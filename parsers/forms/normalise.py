"""Normalising answers as UK forms write them: day-first dates, ages, NHS numbers, postcodes, names."""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
         ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
         ("nov", "november"), ("dec", "december")],
        start=1,
    )
    for name in names
}
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_WORD_DATE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?[\s\-/.,]*([a-z]{3,9})\.?[\s\-/.,]*(\d{4}|\d{2})\b", re.I
)
_MONTH_FIRST = re.compile(r"\b([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I)
_MONTH_YEAR = re.compile(r"\b([a-z]{3,9})\.?\s+(\d{4})\b", re.I)
_AGE = re.compile(r"^\D{0,30}?(\d{1,3})\s*(?:years?|yrs?|y/?o|years? old)?\b", re.I)
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.I)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def _full_year(year: str) -> int:
    # Two-digit years on these forms are dates of birth or recent events: pivot at 30 years ahead of 2000.
    value = int(year)
    if len(year) == 2:
        value += 2000 if value <= 30 else 1900
    return value


def _make(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """An ISO date from a day-first UK date ("01/03/2024", "1.3.24", "1st March 2024", "March 2024"), else None."""
    if m := _ISO_DATE.search(text):
        return _make(int(m[1]), int(m[2]), int(m[3]))
    if m := _NUMERIC_DATE.search(text):
        return _make(_full_year(m[3]), int(m[2]), int(m[1]))
    if (m := _WORD_DATE.search(text)) and m[2].lower() in MONTHS:
        return _make(_full_year(m[3]), MONTHS[m[2].lower()], int(m[1]))
    if (m := _MONTH_FIRST.search(text)) and m[1].lower() in MONTHS:
        return _make(int(m[3]), MONTHS[m[1].lower()], int(m[2]))
    # "March 2024": the first of the month is the best a day-first reader can say.
    if (m := _MONTH_YEAR.search(text)) and m[1].lower() in MONTHS:
        return _make(int(m[2]), MONTHS[m[1].lower()], 1)
    return None


def parse_age(text: str) -> int | None:
    """Whole years from "approx 80", "80 years", "aged 17"; None when no plausible age is written."""
    if parse_date(text):
        return None
    m = _AGE.match(text.strip())
    if not m:
        return None
    age = int(m[1])
    return age if age <= 120 else None


def is_edd(text: str) -> bool:
    """Whether an answer is marked as an expected delivery date (unborn child)."""
    return bool(re.search(r"\b(edd|due|expected|unborn)\b", text, re.I))


def nhs_digits(text: str) -> str | None:
    """The ten digits of an NHS number written with spaces or dashes, or None when it is not ten digits."""
    digits = re.sub(r"[\s\-]", "", text)
    return digits if re.fullmatch(r"\d{10}", digits) else None


def nhs_number_valid(digits: str) -> bool:
    """The modulus-11 check: weights 10..2 on the first nine digits; 11 means 0; 10 is never valid."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def parse_postcode(text: str) -> str | None:
    """A UK postcode in upper case with one space ("SL6 8NJ"), or None."""
    m = _POSTCODE.search(text)
    return f"{m[1].upper()} {m[2].upper()}" if m else None


def parse_email(text: str) -> str | None:
    """The first email address written, or None."""
    m = _EMAIL.search(text)
    return m[0] if m else None


def parse_phone(text: str) -> str | None:
    """A telephone number with its layout tidied, or None when it has too few digits."""
    cleaned = " ".join(text.split())
    if "@" in cleaned or re.search(r"[A-Za-z]{3}", cleaned):
        # "jo@x.org / 01642 555 0123", "Tel 01628 555 0192 (mobile)": the number only.
        found = re.search(r"(?:\+44\s?\(?0?\)?\s?|\(?0)\d[\d\s\-()]{7,}\d", cleaned)
        return found[0].strip() if found and len(re.sub(r"\D", "", found[0])) >= 9 else None
    return cleaned if len(re.sub(r"\D", "", cleaned)) >= 9 else None


def split_name(text: str) -> tuple[str, str] | None:
    """(forenames, surname) from one name: the last word is the surname; "SURNAME, Forenames" is honoured."""
    text = " ".join(re.sub(r"\b(mr|mrs|ms|miss|dr|mx|master)\b\.?", " ", text, flags=re.I).split())
    if "," in text:
        surname, _, forenames = text.partition(",")
        return (forenames.strip(), surname.strip().title() if surname.isupper() else surname.strip())
    words = text.split()
    if len(words) < 2:
        return ("", words[0]) if words else None
    return " ".join(words[:-1]), words[-1]
