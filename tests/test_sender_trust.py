"""Pure parts of issue 13's hostile-sender defences: Authentication-Results and who is believed, the verdict,
addresses and their flood keys, and text stripped of bidi and control characters."""

from __future__ import annotations

from parsers.addresses import domains_aligned, mailbox_key, registrable_domain, valid_address
from parsers.authresults import configured_ids, parse_authentication_results, trusted_results
from parsers.message import parse_message
from parsers.text import has_controls, strip_controls, visible_controls
from parsers.values import INVALID_SENDER
from rules.sender_trust import judge_sender

# What Microsoft 365 (Exchange Online) writes: no authserv-id, bare receiving-domain tokens between results.
M365 = ("spf=pass (sender IP is 209.85.128.45) smtp.mailfrom=frimley.example.org; rbwm.example.org; dkim=pass "
        "(signature was verified) header.d=frimley.example.org;rbwm.example.org; dmarc=pass action=none "
        "header.from=frimley.example.org;compauth=pass reason=100")
OURS = "mx.rbwm.example.org"
SENDER = "sarah.collins@frimley.example.org"


def _ar(value: str) -> tuple[str, str]:
    return ("Authentication-Results", value)


def test_rfc_8601_fields_are_parsed_with_comments_quotes_and_versions() -> None:
    field = parse_authentication_results(
        'mx.rbwm.example.org 1; dkim=pass (1024-bit key; secure) header.d=frimley.example.org header.b="mj+d;T/Q";'
        " spf=softfail (domain of x does not designate) smtp.mailfrom=bounce@mail.frimley.example.org;\r\n"
        "\tdmarc=fail (p=reject dis=none) header.from=frimley.example.org")
    assert field.authserv_id == OURS
    assert [(r.method, r.result) for r in field.results] == [("dkim", "pass"), ("spf", "softfail"), ("dmarc", "fail")]
    assert field.results[0].prop("header.b") == "mj+d;T/Q"
    assert field.results[1].prop("smtp.mailfrom") == "bounce@mail.frimley.example.org"
    assert parse_authentication_results("mx.example.org; none").results == ()


def test_microsoft_365_fields_have_no_authserv_id_and_still_parse() -> None:
    field = parse_authentication_results(M365)
    assert field.authserv_id == ""
    assert [(r.method, r.result) for r in field.results] == [
        ("spf", "pass"), ("dkim", "pass"), ("dmarc", "pass"), ("compauth", "pass")]
    assert field.results[2].prop("header.from") == "frimley.example.org"
    assert configured_ids(["Microsoft365", " mx.Example.org "]) == frozenset({"", "mx.example.org"})


def test_only_the_receiving_servers_own_fields_above_any_other_are_believed() -> None:
    trusted = configured_ids([OURS])
    forged_pass = _ar(f"{OURS}; dmarc=pass header.from=frimley.example.org")
    # A field from another server first: everything from there down predates our boundary.
    assert trusted_results([_ar("evil.example; dmarc=pass"), forged_pass], trusted) == ()
    # Ours on top says fail; a forged "pass" under our name further down cannot override it.
    ours = _ar(f"{OURS}; spf=fail smtp.mailfrom=frimley.example.org; dkim=none; dmarc=fail "
               "header.from=frimley.example.org")
    found = trusted_results([("Received", "by mx"), ours, ("Received", "from evil"), forged_pass], trusted)
    assert [(r.method, r.result) for r in found] == [("spf", "fail"), ("dkim", "none"), ("dmarc", "fail")]
    # Microsoft 365's id-less field is believed only when configured so.
    assert trusted_results([_ar(M365)], trusted) == ()
    assert len(trusted_results([_ar(M365)], configured_ids(["microsoft365"]))) == 4


def test_the_verdict_needs_dmarc_or_aligned_spf_or_dkim() -> None:
    def judge(value: str, sender: str = SENDER) -> tuple[bool, str]:
        verdict = judge_sender(parse_authentication_results(value).results, sender)
        return verdict.authenticated, verdict.reason

    assert judge(M365)[0] is True
    assert judge(f"{OURS}; dmarc=fail header.from=frimley.example.org; dkim=pass header.d=frimley.example.org") == (
        False, "sender not authenticated: DMARC failed for frimley.example.org (dmarc=fail, dkim=pass)")
    assert judge(f"{OURS}; dkim=pass header.d=mail.frimley.example.org")[0] is True  # aligned (relaxed)
    assert judge(f"{OURS}; spf=pass smtp.mailfrom=bounces@frimley.example.org")[0] is True
    assert judge(f"{OURS}; dkim=pass header.d=evil.example; spf=pass smtp.mailfrom=evil.example")[0] is False
    # A DMARC pass for another From domain (a second From header) is not about this sender.
    assert judge(f"{OURS}; dmarc=pass header.from=evil.example")[0] is False
    assert judge(f"{OURS}; dmarc=bestguesspass header.from=frimley.example.org")[0] is False
    assert judge(f"{OURS}; dmarc=pass", sender="")[1] == "no valid sender address"
    assert "no Authentication-Results" in judge_sender((), SENDER).reason


def test_addresses_valid_and_grouped_for_the_caps() -> None:
    assert valid_address("Sarah.Collins@Frimley.Example.org") == SENDER
    for bad in ("a@b", "@evil.org", '"x y"@evil.org', "a..b@evil.org", "<script>@evil.org", "x@evil.123",
                "x@évil.org", "a@b@c.org", ""):
        assert valid_address(bad) == "", bad
    assert {mailbox_key(f"Sarah.Collins+{n}@Frimley.example.org") for n in range(40)} == {SENDER}
    assert mailbox_key("S.Collins+x@googlemail.com") == "scollins@gmail.com"
    assert registrable_domain("a7.evil.example") == "evil.example"
    assert registrable_domain("mail.rbwm.gov.uk") == "rbwm.gov.uk" != registrable_domain("wokingham.gov.uk")
    assert domains_aligned("mail.frimley.example.org", "frimley.example.org")
    assert not domains_aligned("evil.onmicrosoft.com", "good.onmicrosoft.com")


def test_a_from_header_of_markup_leaves_no_sender_and_says_so() -> None:
    for header in (b'<script>alert(1)</script> "x" <<a@b>>', b'"<b>x</b>" <<script>@evil.org>',
                   b"<img src=x onerror=alert(1)>@evil.example"):
        parsed = parse_message(b"From: " + header + b"\r\nTo: x@rbwm.example.org\r\nSubject: s\r\n\r\nbody\r\n")
        assert parsed.sender == "" and INVALID_SENDER in parsed.defects, header
    fine = parse_message(b'From: "<b>Sarah</b>" <Sarah.Collins@frimley.example.org>\r\nSubject: s\r\n\r\nb\r\n')
    assert fine.sender == SENDER and INVALID_SENDER not in fine.defects


def test_bidi_and_control_characters_are_stripped_or_shown() -> None:
    name = "SAR form xcod\u202e.exe\u200b\x00\x1b[31m\u2066x\u2069\u061c\u200e\u200f\x85"
    assert strip_controls(name) == "SAR form xcod.exe[31mx"
    assert visible_controls("xcod\u202ecod.exe") == "xcod\u27e8U+202E\u27e9cod.exe"
    assert strip_controls("line one\nline\ttwo\r\n") == "line one\nline\ttwo\r\n"
    assert has_controls("a\u202eb") and not has_controls("plain text, ünïcödé")
