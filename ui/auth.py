"""Sign-in for the web UI: an auth file of `user:password` lines, passwords plain or hashed.

A hashed password is `pbkdf2_sha256$ITERATIONS$SALT_B64$HASH_B64`, as `pccqa hash-password`
prints it, so an auth file need never hold a password in clear.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

HASH_SCHEME = "pbkdf2_sha256"
HASH_ITERATIONS = 600_000
SALT_BYTES = 16
MIN_ITERATIONS = 1_000


class AuthFileError(ValueError):
    """The auth file cannot be read or one of its lines is malformed."""


def hash_password(
    password: str, iterations: int = HASH_ITERATIONS, salt: bytes | None = None
) -> str:
    """A salted PBKDF2-SHA256 hash to put in an auth file instead of the password."""
    if not password:
        raise ValueError("the password is empty")
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return "$".join((HASH_SCHEME, str(iterations), _b64(salt), _b64(digest)))


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches `stored` (plain or hashed), compared in constant time."""
    if stored.startswith(HASH_SCHEME + "$"):
        iterations, salt, expected = _parse_hash(stored)
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
        return hmac.compare_digest(digest, expected)
    return hmac.compare_digest(password.encode(), stored.encode())


@dataclass(frozen=True)
class Credentials:
    """Who may sign in; call it as Gradio's `auth(username, password)` check."""

    users: dict[str, str] = field(default_factory=dict)

    def __call__(self, username: str, password: str) -> bool:
        stored = self.users.get(username)
        if stored is None:
            # Spend the same time on an unknown name as on a wrong password.
            verify_password(password, _dummy_hash())
            return False
        return verify_password(password, stored)

    def __len__(self) -> int:
        return len(self.users)


def parse_auth_lines(lines: list[str], source: str = "auth file") -> Credentials:
    """Credentials from `user:password` lines; blank lines and `#` comments are skipped."""
    users: dict[str, str] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        user = user.strip()
        where = f"{source} line {number}"
        if not sep or not user or not password:
            raise AuthFileError(f"{where}: expected 'user:password', got '{_redact(line)}'")
        if user in users:
            raise AuthFileError(f"{where}: user '{user}' is listed twice")
        if password.startswith(HASH_SCHEME + "$"):
            try:
                _parse_hash(password)
            except ValueError as error:
                raise AuthFileError(f"{where}: {error}") from None
        users[user] = password
    if not users:
        raise AuthFileError(f"{source} lists no users: add 'user:password' lines")
    return Credentials(users)


def load_auth_file(path: Path) -> Credentials:
    """Read an auth file; raises AuthFileError naming the file and the bad line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AuthFileError(f"cannot read auth file {path}: {error}") from None
    return parse_auth_lines(text.splitlines(), source=str(path))


def _parse_hash(stored: str) -> tuple[int, bytes, bytes]:
    parts = stored.split("$")
    if len(parts) != 4:
        raise ValueError(
            f"a hashed password must be {HASH_SCHEME}$ITERATIONS$SALT$HASH "
            "(make one with `pccqa hash-password`)"
        )
    _, iterations, salt, digest = parts
    if not iterations.isdigit() or int(iterations) < MIN_ITERATIONS:
        raise ValueError(f"iterations must be a whole number of at least {MIN_ITERATIONS}")
    try:
        return int(iterations), _unb64(salt), _unb64(digest)
    except (binascii.Error, ValueError):
        raise ValueError("the salt and hash must be base64") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    data = base64.b64decode(text, validate=True)
    if not data:
        raise ValueError("empty")
    return data


def _redact(line: str) -> str:
    """A malformed line without whatever may be a password in it."""
    user, sep, _ = line.partition(":")
    return f"{user}:***" if sep else "***"


@cache
def _dummy_hash() -> str:
    return hash_password("not a password", salt=b"pcc-qa-dummy-salt")
