"""Referral forms (PDF, Word, scans, email bodies) read into canonical fields with provenance.

Pure: bytes in, values out. Hostile or broken files raise parsers.errors.AttachmentError subclasses;
run `extract` under intake.worker.isolation.extract_isolated to bound its time and memory.
"""

from parsers.forms.extraction import extract, extract_body
from parsers.forms.learned import apply_learned, mappable_fields, question_key, read_as
from parsers.forms.limits import ExtractionLimits
from parsers.forms.result import form_to_dict, merge_forms
from parsers.forms.sniff import is_form_candidate
from parsers.forms.vocabulary import Vocabulary, VocabularyError
from parsers.forms.vocabulary_file import load_vocabulary

__all__ = [
    "ExtractionLimits",
    "Vocabulary",
    "VocabularyError",
    "apply_learned",
    "extract",
    "extract_body",
    "form_to_dict",
    "is_form_candidate",
    "load_vocabulary",
    "mappable_fields",
    "merge_forms",
    "question_key",
    "read_as",
]
