"""What every ``flask`` command shares: who runs it, the language it writes in, and writing
a document to a file without leaving half of one behind."""
import getpass

import click
from flask import current_app

from warehouse.core.errors import DomainError


def check_language(lang: str | None) -> None:
    """Refuse a ``--lang`` the app does not speak."""
    languages = current_app.config["LANGUAGES"]
    if lang is not None and lang not in languages:
        raise click.BadParameter(f"choose one of: {', '.join(languages)}.", param_hint="--lang")


def login_name() -> str:
    """Who runs the command, for "printed by" when ``--by`` is not given."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password file
        return "flask"


def write_pdf(out: str, build) -> None:
    """Build the PDF first, so a refused sheet leaves no empty or half-written file."""
    try:
        pdf = build()
    except DomainError as error:
        raise click.ClickException(error.message) from None
    with click.open_file(out, "wb", atomic=out != "-") as handle:
        handle.write(pdf)
    if out != "-":
        click.echo(f"Wrote {out} ({len(pdf) // 1024 + 1} KB).", err=True)
