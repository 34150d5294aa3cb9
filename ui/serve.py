"""`pccqa serve` (the web UI on the index in $PCCQA_HOME) and `pccqa hash-password`."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import click

from ui.cli_common import friendly_errors, home_dir, open_index, watching

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
DEFAULT_MAX_UPLOAD_MB = 20.0


@click.command()
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    envvar="PCCQA_HOST",
    help="Address to listen on; any other than 127.0.0.1 lets other machines in (add --auth-file).",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True,
    envvar="PCCQA_PORT", help="Port to listen on.",
)  # fmt: skip
@click.option(
    "--auth-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="PCCQA_AUTH_FILE",
    help="Require sign-in: a file of user:password lines (see `pccqa hash-password`).",
)
@click.option(
    "--max-upload-mb",
    type=click.FloatRange(min=0.001),
    default=DEFAULT_MAX_UPLOAD_MB,
    show_default=True,
    help="Largest file a person may upload.",
)
@friendly_errors
def serve(host: str, port: int, auth_file: Path | None, max_upload_mb: float) -> None:
    """Start the web UI on the existing index, building it from corpus/ first if missing."""
    from ui.auth import AuthFileError, load_auth_file

    credentials = None
    if auth_file is not None:
        try:
            credentials = load_auth_file(auth_file)
        except AuthFileError as error:
            raise click.BadParameter(str(error), param_hint="--auth-file") from None
    elif host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"Warning: listening on {host} without --auth-file: anyone who can reach this "
            "machine can use the app and upload files.",
            err=True,
        )
    check_port(host, port)
    # Set before Gradio is imported: no usage analytics and no version check leave the machine.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from qa.chain import QAEngine
    from ui.follow import follow_corpus
    from ui.handlers import AppState
    from ui.web import create_app, launch_app

    with open_index(progress=watching(False)) as index:
        state = AppState(
            QAEngine(index),
            home_dir(),
            max_upload_mb=max_upload_mb,
            login_required=credentials is not None,
        )
        click.echo(f"Serving {len(state.engine.documents)} documents from {home_dir()}", err=True)
        follow_corpus(state)
        launch_app(create_app(state), state, host=host, port=port, auth=credentials)


def check_port(host: str, port: int) -> None:
    """Fail in one sentence, before loading anything, when the address cannot be listened on."""
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        message = f"cannot listen on '{host}': {error.strerror}"
        raise click.BadParameter(message, param_hint="--host") from None
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the server itself will: a socket lingering in TIME_WAIT does not make a port busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise click.ClickException(
                    f"port {port} on {host} is in use (another pccqa serve?): stop it, "
                    "or pass --port with a free one"
                ) from None
            raise click.ClickException(
                f"cannot listen on {host}:{port}: {error.strerror}"
            ) from None


@click.command("hash-password")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The password to hash (prompted for, unseen, when not given).",
)
@click.option("--user", help="Print a whole auth-file line for this user.")
def hash_password_command(password: str, user: str | None) -> None:
    """Print a hashed password for an --auth-file, so the file never holds it in clear."""
    from ui.auth import hash_password

    if ":" in (user or ""):
        raise click.BadParameter("a user name cannot contain ':'", param_hint="--user")
    hashed = hash_password(password)
    click.echo(f"{user}:{hashed}" if user else hashed)
