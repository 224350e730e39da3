"""Bidi overrides and control characters: made visible for staff, stripped where nothing may show them."""

from __future__ import annotations

from parsers.text import has_controls, strip_controls, visible_controls


def test_a_right_to_left_override_is_shown_as_what_it_is() -> None:
    assert visible_controls("referral\u202excod.exe") == "referral⟨U+202E⟩xcod.exe"
    assert strip_controls("referral\u202excod.exe") == "referralxcod.exe"


def test_every_kind_is_caught_and_ordinary_text_is_left_alone() -> None:
    hostile = "a\u0000b\u001b[31m\u007f\u0085\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069" \
              "\u200b\u2028\u2029\u2060\ufeff"
    shown = visible_controls(hostile)
    assert not has_controls(shown) and shown.count("⟨U+") == 20
    assert strip_controls(hostile) == "ab[31m"
    ordinary = "Zoë O'Brien-Łukasz, 東京\tline one\nline two\r\n👩 نور"
    assert visible_controls(ordinary) == ordinary and strip_controls(ordinary) == ordinary
    assert not has_controls(ordinary)


def test_html_bodies_become_text_line_by_line() -> None:
    from parsers.text import html_to_text

    html = ("<html><head><style>p {color: red}</style><title>x</title></head><body>"
            "<p>Name: Margaret&nbsp;Whitfield</p><div>Date of birth: 12/03/1941<br>NHS number: 943 476 5919</div>"
            "<table><tr><td>Postcode</td><td>SL4 5UB</td></tr></table><script>alert(1)</script>"
            "<p>Tom &amp; Jerry&#39;s</p></body></html>")
    assert html_to_text(html).split("\n") == [
        "Name: Margaret Whitfield", "Date of birth: 12/03/1941", "NHS number: 943 476 5919", "Postcode SL4 5UB",
        "Tom & Jerry's"]
