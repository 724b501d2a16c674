"""``flask`` commands: demo data, users, and the ledger check."""
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from warehouse.accounts.models import Role

stock_cli = AppGroup("stock", help="Stock ledger commands.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(stock_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has data.")
@click.option("--weeks", default=8, show_default=True, help="Weeks of history to make up.")
@click.option("--seed", default=2026, show_default=True, help="Random seed, for repeatable data.")
def seed_demo(if_empty: bool, weeks: int, seed: int) -> None:
    """Load a realistic demo: sites, partners, catalogue, boxes and weeks of history."""
    from warehouse import demo

    if if_empty and not demo.database_is_empty():
        click.echo("The database already has data; demo data not loaded.")
        return
    try:
        summary = demo.seed(weeks=weeks, seed=seed)
    except demo.DatabaseNotEmpty as error:
        raise click.ClickException(str(error)) from None
    click.echo(summary)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--organisation", help="Short name of the coordinator's organisation.")
@click.password_option(help="At least 10 characters.")
def create_user(email: str, name: str, role: str, organisation: str | None,
                password: str) -> None:
    """Create a user who can sign in."""
    from warehouse.accounts import services
    from warehouse.errors import DomainError

    try:
        user = services.create_user(email=email, name=name, role=Role(role),
                                    organisation=organisation, password=password)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@stock_cli.command("verify")
@click.option("--repair", is_flag=True,
              help="Rewrite the stored levels to what the ledger adds up to.")
def verify(repair: bool) -> None:
    """Recompute every stock level and box from the ledger; exit 1 on any difference."""
    from warehouse.stock import queries, services

    levels = queries.stock_differences()
    boxes = queries.box_differences()
    for d in levels:
        click.echo(f"level  {d.location} / {d.item}: stored {d.recorded}, "
                   f"ledger {d.ledger} ({d.ledger - d.recorded:+d})")
    for d in boxes:
        click.echo(f"box    {d.box}: stored {d.recorded}, ledger {d.ledger} "
                   f"({d.ledger - d.recorded:+d})")
    if not levels and not boxes:
        click.echo("Stock levels and boxes agree with the ledger.")
        return
    click.echo(f"{len(levels)} stock level(s) and {len(boxes)} box(es) differ from the ledger.")
    if repair and levels:
        services.rebuild_stock_levels()
        click.echo(f"Rewrote {len(levels)} stock level(s) from the ledger.")
    sys.exit(1)
