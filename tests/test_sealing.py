"""Person data sealed at rest (issue 13): nothing readable in the database or its WAL, everything readable through
the service; key rotation without loss on SQLite and PostgreSQL; legacy plaintext still read, then sealed."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from intake.runtime import Runtime
from intake.store import rotation
from intake.store.export import cases_json
from intake.store.keyfile import KeyFile, add_current_key, create_key_file, new_entry, read_key_file, retire_key
from intake.store.models import Blob, Case, CaseField, CaseNote
from intake.store.sealing import (
    Keyring,
    SealedComparisonError,
    SealError,
    install_keyring,
    is_sealed,
    key_id_of,
    rewrap,
    seal,
    sealed_columns,
    unseal,
)
from intake.web.queue import QueueFilter, queue_page
from tests.support.browser import csrf_from, seeded_runtime, served, signed_in_client, take_in
from tests.support.desk import every_kind_case
from tests.support.mailfactory import make_email

SURNAME, NHS = "Quillfeather", "9434765919"
BODY = f"""Please treat this as a SAR referral.

Name: Margaret {SURNAME}
Date of birth: 14/07/1938
Date of death: 03/03/2026
NHS number: 943 476 5919
Care and support needs: Yes
Abuse or neglect: suspected (neglect)
Concern about how agencies worked together: Yes
Referrer: Sarah Collins, Safeguarding Lead, Frimley ICB
"""
SECRETS = (SURNAME.encode(), SURNAME.lower().encode(), SURNAME.upper().encode(), NHS.encode(), b"943 476 5919")


def _keyring(*ids: str, current: str | None = None) -> Keyring:
    entries = {i: new_entry().key for i in ids}
    return Keyring(entries, current or ids[-1])


def _sealed_tables() -> list[Any]:
    import intake.store.learning
    import intake.store.steps  # noqa: F401

    return list(sealed_columns(SQLModel.metadata))


def _snapshot(engine: sa.Engine) -> dict[str, dict[Any, Any]]:
    """Every sealed column's values, opened, by primary key."""
    found: dict[str, dict[Any, Any]] = {}
    with engine.connect() as connection:
        for column in _sealed_tables():
            keys = list(column.table.primary_key.columns)
            rows = connection.execute(sa.select(*keys, column.column)).all()
            found[column.name] = {tuple(row[:-1]): row[-1] for row in rows}
    return found


def _raw_values(engine: sa.Engine) -> list[tuple[str, Any]]:
    """Every sealed column's values as stored."""
    found = []
    with engine.connect() as connection:
        for column in _sealed_tables():
            for (value,) in connection.execute(sa.select(sa.type_coerce(column.column, sa.types.NullType()))):
                found.append((column.name, value))
    return found


# --- The sealed format --------------------------------------------------------------------------------------------


def test_a_sealed_value_opens_only_with_its_key_and_names_the_key_it_needs() -> None:
    keyring = _keyring("k1")
    sealed = seal(b"Margaret Quillfeather", keyring)
    assert is_sealed(sealed) and key_id_of(sealed) == "k1" and SURNAME.encode() not in sealed
    assert unseal(sealed, keyring) == b"Margaret Quillfeather"
    assert seal(b"Margaret Quillfeather", keyring) != sealed  # a fresh data key and nonce each time
    with pytest.raises(SealError, match=r"'k1'.*not in the keyring"):
        unseal(sealed, _keyring("k2"))
    with pytest.raises(SealError, match=r"'k1'.*not the key"):
        unseal(sealed, _keyring("k1"))  # same id, another key: an error, never garbage
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    with pytest.raises(SealError, match="damaged"):
        unseal(bytes(tampered), keyring)


def test_rewrapping_changes_only_the_wrapped_key() -> None:
    old = _keyring("k1")
    sealed = seal(b"x" * 1000, old)
    both = Keyring({"k1": old._keys["k1"], "k2": new_entry().key}, "k2")
    moved = rewrap(sealed, both)
    assert key_id_of(moved) == "k2" and moved[-1000:] == sealed[-1000:]
    assert unseal(moved, Keyring({"k2": both._keys["k2"]}, "k2")) == b"x" * 1000


def test_sql_on_a_sealed_column_is_refused() -> None:
    with pytest.raises(SealedComparisonError):
        select(CaseField).where(CaseField.value == "Quillfeather")
    with pytest.raises(SealedComparisonError):
        select(CaseNote).where(col(CaseNote.text).like("%Quill%"))
    select(CaseField).where(col(CaseField.value).is_not(None))  # NULL tests stay possible


def test_no_key_loaded_means_no_sealing() -> None:
    install_keyring(None)
    with pytest.raises(SealError, match="no encryption key is loaded"):
        seal(b"x")


# --- Through the service ------------------------------------------------------------------------------------------


def _referral_with_staff_work(runtime: Runtime, base: str) -> str:
    """A referral taken in, then a correction, a note, a decision and a letter to the referrer; its reference."""
    outcome = take_in(runtime, make_email(subject=f"SAR referral - Margaret {SURNAME}", body=BODY,
                                          message_id="<sealed-1@frimley.example.org>"))
    reference = outcome.case_reference
    client = signed_in_client(base, "tina")
    token = csrf_from(client.get(f"/cases/{reference}").text)
    for path, data in ((f"/cases/{reference}/fields", {"name": "subject.postcode", "value": "SL6 8NJ"}),
                       (f"/cases/{reference}/notes", {"text": f"Rang the GP about {SURNAME}, NHS {NHS}."}),
                       (f"/cases/{reference}/decision", {"sar": "mandatory",
                                                         "rationale": f"{SURNAME}: neglect by the care home."}),
                       (f"/cases/{reference}/reply", {"to": "sarah.collins@frimley.example.org", "nonce": "ab12",
                                                      "body": "Thank you; please send the chronology."})):
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 303, (path, response.text[:500])
    return reference


def _search(runtime: Runtime, query: str) -> list[str]:
    with Session(runtime.engine) as session:
        return [c.reference for c in queue_page(session, QueueFilter(q=query, status="all"), size=500).cases]


def test_person_data_is_not_readable_at_rest_but_the_service_shows_it(db_url: str, tmp_path: Path) -> None:
    runtime = seeded_runtime(tmp_path, db_url)
    with served(runtime) as base:
        reference = _referral_with_staff_work(runtime, base)
        page = signed_in_client(base, "tina").get(f"/cases/{reference}").text
    assert SURNAME in page and "SL6 8NJ" in page and f"Rang the GP about {SURNAME}" in page
    with Session(runtime.engine) as session:
        exported = {c["reference"]: c for c in json.loads(cases_json(session))}[reference]
    assert exported["fields"]["subject.surname"]["value"] == SURNAME
    assert exported["fields"]["subject.nhs_number"]["value"] == NHS
    assert exported["fields"]["subject.postcode"]["value"] == "SL6 8NJ"
    for query in (SURNAME, "quillf", f"Margaret {SURNAME}", NHS, "943 476 5919", "14/07/1938", "SL6 8NJ", "sl68nj"):
        assert _search(runtime, query) == [reference], query
    assert _search(runtime, "Quillfeathers") == [] and _search(runtime, "SL6 8NK") == []

    # Every value of every sealed column is sealed (nothing left in plaintext, nothing sealed twice).
    raw = _raw_values(runtime.engine)
    assert raw and all(is_sealed(value) for _name, value in raw if value is not None)
    if runtime.engine.dialect.name == "sqlite":
        database = Path(runtime.engine.url.database or "")
        wal = Path(f"{database}-wal")
        assert wal.stat().st_size > 0  # the WAL is not checkpointed yet: its pages are read as they are
        for path in (database, wal):
            data = path.read_bytes()
            assert not [s for s in SECRETS if s in data], path
        runtime.engine.dispose()  # the last connection closed checkpoints the WAL into the database
        data = database.read_bytes()
        assert not [s for s in SECRETS if s in data]
    else:
        # Every cell of every table as PostgreSQL returns it (bytea as bytes): the name and NHS number are nowhere.
        with runtime.engine.connect() as connection:
            for table in SQLModel.metadata.sorted_tables:
                for row in connection.execute(sa.select(sa.text("*")).select_from(sa.table(table.name))):
                    for cell in row:
                        data = bytes(cell) if isinstance(cell, bytes | memoryview) else str(cell).encode()
                        assert not [s for s in SECRETS if s in data], table.name


def _key_file_env(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "keys" / "intake-keys.json"
    create_key_file(path)
    return path, {"INTAKE_ENCRYPTION_KEY_FILE": str(path)}


def test_rotation_rewraps_everything_and_the_old_key_can_then_be_retired(db_url: str, tmp_path: Path) -> None:
    path, env = _key_file_env(tmp_path)
    runtime = seeded_runtime(tmp_path, db_url, env=env)
    every_kind_case(runtime)  # documents, a picture, a zip: blobs of every kind
    with served(runtime) as base:
        _referral_with_staff_work(runtime, base)
    old = read_key_file(path).current
    before = _snapshot(runtime.engine)
    assert sum(len(v) for v in before.values()) > 50 and before["blobs.data"]

    new = add_current_key(path).key_id
    keyring = read_key_file(path).keyring(path)
    install_keyring(keyring)
    stored = [v for _name, v in _raw_values(runtime.engine) if v is not None]
    report = rotation.reseal(runtime.engine, keyring)
    assert report.rewrapped == len(stored) and report.sealed == 0 and report.skipped == 0
    assert {k for s in rotation.status(runtime.engine) for k in s.by_key} == {new}
    assert rotation.still_using(runtime.engine, old) == 0
    assert rotation.reseal(runtime.engine, keyring).rewrapped == 0  # run again: nothing left to do

    retire_key(path, old)
    assert [k.key_id for k in read_key_file(path).keys] == [new]
    install_keyring(read_key_file(path).keyring())  # a fresh process, the old key gone
    assert _snapshot(runtime.engine) == before


def test_a_running_service_follows_a_rotated_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "keys.json"
    create_key_file(path)
    running = read_key_file(path).keyring(path)  # what the service loaded at start-up
    sealed_before = seal(b"before", running)
    new = add_current_key(path).key_id  # `keys rotate` in another process
    rotated = rewrap(sealed_before, read_key_file(path).keyring())
    assert unseal(rotated, running) == b"before"  # an unknown key id: the file is read again at once
    monkeypatch.setattr("intake.store.sealing.RELOAD_SECONDS", 0.0)
    assert key_id_of(seal(b"after", running)) == new


# --- Legacy plaintext ---------------------------------------------------------------------------------------------


def test_plaintext_from_before_sealing_is_read_then_sealed(db_url: str, tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from intake.store.database import MIGRATIONS, create_db_engine, migrate

    engine = create_db_engine(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:  # the schema as it stood before sealing (every head but 0016a)
        config.attributes["connection"] = connection
        for revision in ("0015a", "0003", "0010a", "0011a", "0012a", "0014a"):
            command.upgrade(config, revision)
    at = "2026-03-10 09:14:00+00:00"
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO cases (reference, status, received_at, sender, form_type, track, cspr, sar, reasons, "
            "signposts, flags, triage, acknowledged, created_at, updated_at, clock, live_concern) VALUES "
            "('SAR-2026-0001', 'new', :at, '', 'sar_referral', 'adult', 'needs_information', 'needs_information', "
            "'[]', '[]', '[]', :triage, false, :at, :at, '', false)"), {"at": at, "triage": '{"questions": ["x"]}'})
        connection.execute(sa.text(
            "INSERT INTO case_fields (case_pk, name, value, source, confidence, label, inferred, current, created_at) "
            "VALUES (1, 'subject.surname', :value, 'form', 1.0, '', false, true, :at)"),
            {"value": json.dumps(SURNAME), "at": at})
        connection.execute(sa.text("INSERT INTO case_notes (case_pk, author, text, created_at) "
                                   "VALUES (1, 'tina', :text, :at)"), {"text": f"About {SURNAME}", "at": at})
        connection.execute(sa.insert(sa.table("blobs", sa.column("sha256"), sa.column("size"),
                                              sa.column("data", sa.LargeBinary), sa.column("created_at"))),
                           {"sha256": "a" * 64, "size": 12, "data": b"raw message.", "created_at": at})
    migrate(engine)

    def read() -> tuple[Any, ...]:
        with Session(engine) as session:
            return (session.exec(select(CaseField.value)).one(), session.exec(select(CaseNote.text)).one(),
                    session.exec(select(Blob.data)).one(), session.exec(select(Case.triage)).one())

    assert read() == (SURNAME, f"About {SURNAME}", b"raw message.", {"questions": ["x"]})
    with Session(engine) as session:
        assert [c.reference for c in queue_page(session, QueueFilter(q="quill", status="all")).cases] == [
            "SAR-2026-0001"]
    counts = {s.column: s.by_key for s in rotation.status(engine)}
    assert counts["case_fields.value"] == {rotation.PLAINTEXT: 1} and counts["blobs.data"] == {rotation.PLAINTEXT: 1}

    from tests.conftest import TEST_KEYRING

    plaintext = [v for _n, v in _raw_values(engine) if v is not None]
    assert len(plaintext) == 5 and not any(is_sealed(v) for v in plaintext)  # value, source, note, blob, triage
    report = rotation.reseal(engine, TEST_KEYRING)  # `keys seal`
    assert report.sealed == 5 and report.rewrapped == 0
    assert read() == (SURNAME, f"About {SURNAME}", b"raw message.", {"questions": ["x"]})
    assert all(is_sealed(v) for _n, v in _raw_values(engine) if v is not None)


# --- Keys, production mode and file permissions ----------------------------------------------------------------


def _service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], env: dict[str, str],
             capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    import service

    config = tmp_path / "config.yaml"
    config.write_text("mailbox_address: safeguarding.partnership@rbwm.example.org\n")
    monkeypatch.delenv("INTAKE_ENCRYPTION_KEY_FILE", raising=False)
    monkeypatch.setenv("INTAKE_DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'intake.db'}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    umask, handlers, level = os.umask(0o022), logging.root.handlers[:], logging.root.level
    try:
        code = service.main(["--config", str(config), *argv])
    finally:
        # main() narrows the umask and sets up logging for the whole process: not for the tests that follow.
        os.umask(umask)
        logging.root.handlers[:] = handlers
        logging.root.setLevel(level)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [["run"], ["poll", "--once"], ["ingest", "nothing.eml"], ["export"],
                                  ["messages"], ["requeue", "1"], ["keys", "status"], ["keys", "rotate"]])
def test_production_refuses_to_start_without_a_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = _service(tmp_path, monkeypatch, argv, {"INTAKE_PRODUCTION": "1"}, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "production mode needs an encryption key file" in err
    assert "python service.py keys new --file PATH" in err
    assert not (tmp_path / "data" / "intake.db").exists()  # refused before the database was touched


def test_a_named_key_file_that_is_missing_stops_start_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _service(tmp_path, monkeypatch, ["export"],
                               {"INTAKE_ENCRYPTION_KEY_FILE": str(tmp_path / "absent.json")}, capsys)
    assert code == 2 and "absent.json does not exist" in err and "keys new --file" in err


def test_without_a_key_file_a_demo_key_is_made_beside_the_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _service(tmp_path, monkeypatch, ["export"], {}, capsys)
    assert code == 0 and out.strip() == "[]"
    key = tmp_path / "data" / "intake-keys.json"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "made a demo encryption key file" in err and "sits beside the data" in err
    first = read_key_file(key).current
    assert _service(tmp_path, monkeypatch, ["export"], {}, capsys)[0] == 0
    assert read_key_file(key).current == first  # made once, then used


def test_keys_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "secret" / "keys.json"
    code, out, _ = _service(tmp_path, monkeypatch, ["keys", "new", "--file", str(path)], {}, capsys)
    assert code == 0 and "INTAKE_ENCRYPTION_KEY_FILE=" in out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    code, _, err = _service(tmp_path, monkeypatch, ["keys", "new", "--file", str(path)], {}, capsys)
    assert code == 2 and "never overwritten" in err
    env = {"INTAKE_ENCRYPTION_KEY_FILE": str(path)}
    raw = make_email(subject=f"SAR referral - {SURNAME}", body=BODY, message_id="<keys-1@frimley.example.org>")
    (tmp_path / "one.eml").write_bytes(raw)
    assert _service(tmp_path, monkeypatch, ["ingest", str(tmp_path / "one.eml")], env, capsys)[0] == 0
    first = read_key_file(path).current
    code, out, _ = _service(tmp_path, monkeypatch, ["keys", "status"], env, capsys)
    assert code == 0 and "blobs.data" in out and f"{first} 1" in out
    code, out, _ = _service(tmp_path, monkeypatch, ["keys", "retire", first], env, capsys)
    assert code != 0 and read_key_file(path).current == first  # the current key, still in use: kept
    code, out, _ = _service(tmp_path, monkeypatch, ["keys", "rotate"], env, capsys)
    second = read_key_file(path).current
    assert code == 0 and second != first and "re-wrapped" in out
    code, out, _ = _service(tmp_path, monkeypatch, ["keys", "status"], env, capsys)
    assert first not in out.split("\n", 1)[1] and f"{second} 1" in out
    assert _service(tmp_path, monkeypatch, ["keys", "retire", first], env, capsys)[0] == 0
    code, out, _ = _service(tmp_path, monkeypatch, ["export"], env, capsys)
    assert code == 0 and SURNAME in out


def test_a_key_the_file_no_longer_holds_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "keys.json"
    create_key_file(path)
    env = {"INTAKE_ENCRYPTION_KEY_FILE": str(path)}
    (tmp_path / "one.eml").write_bytes(make_email(body=BODY, message_id="<lost-1@frimley.example.org>"))
    assert _service(tmp_path, monkeypatch, ["ingest", str(tmp_path / "one.eml")], env, capsys)[0] == 0
    lost = read_key_file(path).current
    path.unlink()
    create_key_file(path)  # the key file replaced by a new one: the old key is gone
    code, out, err = _service(tmp_path, monkeypatch, ["export"], env, capsys)
    assert code == 1 and out == "" and f"'{lost}'" in err and "not in the keyring" in err


def test_database_files_and_folder_are_private(tmp_path: Path) -> None:
    from intake.store.database import create_db_engine, migrate

    database = tmp_path / "var" / "intake.db"
    engine = create_db_engine(f"sqlite:///{database}")
    migrate(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in database.parent.iterdir()}
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    assert modes == {"intake.db": 0o600, "intake.db-wal": 0o600, "intake.db-shm": 0o600}
    engine.dispose()
    database.chmod(0o644)  # a database made before issue 13
    create_db_engine(f"sqlite:///{database}").dispose()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_a_key_file_is_private_and_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    entry = create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    added = add_current_key(path)
    content = read_key_file(path)
    assert content.current == added.key_id and [k.key_id for k in content.keys] == [entry.key_id, added.key_id]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and [p.name for p in tmp_path.iterdir()] == ["k.json"]
    assert isinstance(KeyFile(entry.key_id, (entry,)).keyring(), Keyring)
