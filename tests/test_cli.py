"""The command line of interfaces.md, run as an operator would: `python service.py ...` in a subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import jsonschema
import pytest

from demo.forms import SAR_FORM, Layout, build
from demo.mailbox import demo_messages, write_maildir
from tests.conftest import EXPORT_SCHEMA, REPO, needs_export_schema
from tests.support.intake_helpers import run_service
from tests.support.mailfactory import make_email

CONFIG = "mailbox_address: safeguarding.partnership@rbwm.example.org\n"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    return {**os.environ, "INTAKE_CONFIG": str(config), "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
            "INTAKE_LOG_LEVEL": "ERROR"}


def test_ingest_of_the_demo_mailbox_then_export_and_messages(env: dict[str, str], tmp_path: Path) -> None:
    from datetime import UTC, datetime

    maildir = tmp_path / "demo"
    write_maildir(maildir, demo_messages(datetime(2026, 11, 20, 9, 0, tzinfo=UTC)))
    first = run_service(["ingest", str(maildir)], env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("ingested 10 message(s): 10 new, 0 already known")
    again = run_service(["ingest", str(maildir)], env)
    assert "0 new, 10 already known" in again.stdout  # the same bytes are never taken in twice
    exported = json.loads(run_service(["export", "--format", "json"], env).stdout)
    assert {c["track"] for c in exported} == {"adult", "child", "unknown"}
    table = run_service(["export", "--format", "csv"], env).stdout
    assert table.startswith("\ufeff")  # a byte-order mark, so that Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(table.removeprefix("\ufeff"))))
    assert [r["Reference"] for r in rows] == [c["reference"] for c in exported]
    ledger = json.loads(run_service(["messages", "--format", "json"], env).stdout)
    assert len(ledger) == 10  # the demo quarantines one damaged form
    for row in ledger:
        assert {"message_id", "received_at", "sender", "disposition", "reason", "case_reference"} <= set(row)
        assert row["disposition"] in {"case", "follow_up", "ignored", "quarantined"} and row["reason"]


@needs_export_schema
def test_the_json_export_of_the_demo_mailbox_matches_the_case_export_schema(env: dict[str, str], tmp_path: Path
                                                                            ) -> None:
    from datetime import UTC, datetime

    maildir = tmp_path / "demo"
    write_maildir(maildir, demo_messages(datetime(2026, 11, 20, 9, 0, tzinfo=UTC)))
    assert run_service(["ingest", str(maildir)], env).returncode == 0
    exported = json.loads(run_service(["export", "--format", "json"], env).stdout)
    assert len(exported) >= 3
    jsonschema.validate(exported, json.loads(EXPORT_SCHEMA.read_text()))


def test_requeue_runs_a_quarantined_message_again_after_a_config_fix(env: dict[str, str], tmp_path: Path) -> None:
    Path(env["INTAKE_CONFIG"]).write_text(CONFIG + "limits:\n  max_message_bytes: 1000\n")
    message = tmp_path / "big.eml"
    message.write_bytes(make_email(body="A referral. " * 200))
    assert "quarantined 1" in run_service(["ingest", str(message)], env).stdout
    [row] = json.loads(run_service(["messages", "--format", "json"], env).stdout)
    assert row["disposition"] == "quarantined" and "exceeds the limit" in row["reason"]
    Path(env["INTAKE_CONFIG"]).write_text(CONFIG)
    result = run_service(["requeue", str(row["id"])], env)
    assert result.returncode == 0 and f"message {row['id']}: case" in result.stdout
    assert run_service(["requeue", str(row["id"])], env).returncode == 1  # no longer in quarantine


def test_extract_prints_fields_with_provenance(env: dict[str, str], tmp_path: Path) -> None:
    name, data = build(SAR_FORM, Layout.DOCX_TABLE)
    path = tmp_path / name
    path.write_bytes(data)
    result = json.loads(run_service(["extract", str(path)], env).stdout)
    assert result["form_type"] == "sar_referral"
    assert result["fields"]["subject.surname"]["value"] == "Whitfield"
    assert result["fields"]["subject.surname"]["source"].startswith(name)
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    failed = run_service(["extract", str(broken)], env)
    assert failed.returncode == 1 and json.loads(failed.stdout)["error"] == "corrupt"


def test_rules_explain_shows_every_rule(env: dict[str, str], tmp_path: Path) -> None:
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps({"subject.age": 80, "event.is_deceased": True, "event.abuse_or_neglect": "suspected",
                                  "adult.care_and_support_needs": "yes", "adult.joint_working_concern": "yes"}))
    result = json.loads(run_service(["rules", "explain", str(fields), "--received-at", "2026-03-10T09:00:00"],
                                    env).stdout)
    assert result["triage"]["decisions"] == {"cspr": "not_applicable", "sar": "mandatory"}
    assert all({"name", "description", "law", "matched", "reason"} <= set(r) for r in result["rules"])


def test_rules_explain_shows_the_ranked_questions_and_whose_duty_it_is(env: dict[str, str], tmp_path: Path) -> None:
    # The shipped config.yaml, whose partnership.area places Reading (RG1) outside the borough.
    env = {**env, "INTAKE_CONFIG": str(REPO / "config.yaml")}
    harmed = {"subject.date_of_birth": "2014-01-01", "event.date_of_incident": "2026-03-02",
              "event.is_deceased": False, "event.seriously_harmed": "yes", "event.abuse_or_neglect": "known"}
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps({**harmed, "event.place": "Reading RG1 7LT"}))
    out = json.loads(run_service(["rules", "explain", str(fields), "--received-at", "2026-03-10T09:00:00"],
                                 env).stdout)
    reasons = " ".join(out["triage"]["reasons"])
    assert "notify the Panel and hold a rapid review" in reasons and "a CSPR is required" not in reasons
    assert "the duty to notify the Panel is that local authority's" in reasons
    assert "out_of_area" in out["triage"]["flags"]
    [duty] = [r for r in out["rules"] if r["name"] == "duty_holder_child"]
    assert duty["matched"] and "s16C(1)" in duty["law"]
    fields.write_text(json.dumps(harmed))  # no place: the first question is where it happened
    out = json.loads(run_service(["rules", "explain", str(fields), "--received-at", "2026-03-10T09:00:00"],
                                 env).stdout)
    ranked = out["triage"]["ranked_questions"]
    assert ranked[0]["question"].startswith("Where did the harm or death happen") and ranked[0]["kind"] == "confirm"
    assert [q["rank"] for q in ranked] == sorted(q["rank"] for q in ranked)


def test_check_config_and_a_bad_config(env: dict[str, str]) -> None:
    shown = run_service(["check-config"], {**env, "INTAKE_SMTP_PASSWORD": "smtp-secret-value"})
    assert shown.returncode == 0 and "smtp-secret-value" not in shown.stdout
    assert json.loads(shown.stdout)["smtp"]["password"] == "***"
    Path(env["INTAKE_CONFIG"]).write_text(CONFIG + "polling:\n  interval_seconds: -5\n")
    bad = run_service(["check-config"], env)
    assert bad.returncode == 2
    assert "polling.interval_seconds" in bad.stderr


def test_poll_without_a_mailbox_says_so(env: dict[str, str]) -> None:
    result = run_service(["poll", "--once"], env)
    assert result.returncode == 1 and "no mailbox configured" in result.stderr
