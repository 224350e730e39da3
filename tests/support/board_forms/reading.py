"""Reading the development set back and measuring it."""

from __future__ import annotations

from parsers.forms import ExtractionLimits, extract, extract_body, load_vocabulary
from parsers.values import Attachment, ExtractedForm
from tests.support.board_forms.adult import ADULT_FORMS
from tests.support.board_forms.child import CHILD_FORMS
from tests.support.board_forms.model import BoardForm, Score
from tests.support.board_forms.render import render

FORMS = (*ADULT_FORMS, *CHILD_FORMS)
VOCABULARY = load_vocabulary()


def read(form: BoardForm) -> ExtractedForm:
    """The form rendered as its board publishes it, then read as the service reads attachments."""
    name, content = render(form)
    if isinstance(content, str):
        return extract_body(content, vocabulary=VOCABULARY)
    return extract(Attachment(name, "application/octet-stream", content), vocabulary=VOCABULARY,
                   limits=ExtractionLimits())


def table(results: list[tuple[BoardForm, Score]]) -> str:
    """A Markdown table of the figures, per form and overall (for the README)."""
    lines = ["| form | board | layout | answers read right |", "|---|---|---|---|"]
    for form, s in results:
        lines.append(f"| {form.key} | {form.board} | {form.kind.value} | {s.right}/{s.total} ({s.share:.0%}) |")
    right, total = sum(s.right for _, s in results), sum(s.total for _, s in results)
    lines.append(f"| **overall** | {len(results)} forms | | **{right}/{total} ({right / total:.1%})** |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m tests.support.board_forms.reading: the README table
    from tests.support.board_forms.model import score

    print(table([(form, score(form, read(form))) for form in FORMS]))
