"""The web UI's sign-in: auth-file parsing, hashed passwords, and the two CLI commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ui.auth import (
    AuthFileError,
    Credentials,
    hash_password,
    load_auth_file,
    parse_auth_lines,
    verify_password,
)
from ui.serve import hash_password_command, serve

FAST = 1_000  # iterations: enough to exercise PBKDF2, cheap enough for a test


def test_hash_round_trip_and_salt() -> None:
    hashed = hash_password("s3cret pass", iterations=FAST)
    assert hashed.startswith("pbkdf2_sha256$1000$")
    assert verify_password("s3cret pass", hashed)
    assert not verify_password("s3cret pas", hashed)
    assert hashed != hash_password("s3cret pass", iterations=FAST), "each hash gets its own salt"


def test_plain_and_hashed_users_sign_in() -> None:
    credentials = parse_auth_lines(
        [
            "# inspectors",
            "",
            "alice:plain:with:colons",
            f"bob:{hash_password('hunter2', iterations=FAST)}",
        ]
    )
    assert len(credentials) == 2
    assert credentials("alice", "plain:with:colons")
    assert credentials("bob", "hunter2")
    assert not credentials("bob", "hunter3")
    assert not credentials("alice", "")


def test_unknown_user_is_refused() -> None:
    assert not Credentials({"alice": "pw"})("mallory", "pw")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["alice:pw", "no colon here"], "line 2: expected 'user:password'"),
        (["", ":pw"], "line 2: expected 'user:password'"),
        (["alice:"], "line 1: expected 'user:password'"),
        (["alice:pw", "alice:other"], "line 2: user 'alice' is listed twice"),
        (["bob:pbkdf2_sha256$1000$c2FsdA=="], "line 1: a hashed password must be"),
        (["bob:pbkdf2_sha256$many$c2FsdA==$aGFzaA=="], "line 1: iterations must be"),
        (["bob:pbkdf2_sha256$1000$not base64!$aGFzaA=="], "line 1: the salt and hash"),
        (["# only a comment"], "lists no users"),
    ],
)
def test_malformed_lines_name_the_line(lines: list[str], expected: str) -> None:
    with pytest.raises(AuthFileError, match=expected.replace("$", r"\$")):
        parse_auth_lines(lines, source="users.txt")


def test_error_never_echoes_a_password() -> None:
    with pytest.raises(AuthFileError) as caught:
        parse_auth_lines(["alice:", "x"])
    assert "alice:***" in str(caught.value)


def test_load_auth_file(tmp_path: Path) -> None:
    path = tmp_path / "users.txt"
    path.write_text("carol:pw\n", encoding="utf-8")
    assert load_auth_file(path)("carol", "pw")
    with pytest.raises(AuthFileError, match="cannot read auth file"):
        load_auth_file(tmp_path / "missing.txt")


def test_hash_password_command_prints_an_auth_line() -> None:
    result = CliRunner().invoke(hash_password_command, ["--user", "dave"], input="pw\npw\n")
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("dave:pbkdf2_sha256$")
    assert parse_auth_lines([line])("dave", "pw")


def test_serve_rejects_a_malformed_auth_file_before_starting(tmp_path: Path) -> None:
    path = tmp_path / "users.txt"
    path.write_text("alice:pw\nbroken line\n", encoding="utf-8")
    result = CliRunner().invoke(serve, ["--auth-file", str(path)])
    assert result.exit_code == 2
    assert "line 2" in result.output
