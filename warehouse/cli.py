"""``flask`` commands: demo data, users, the ledger check and the sheets; the commands of
each area (``flask report``) are registered here too."""
import ipaddress
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from warehouse import demo, lan_tls
from warehouse.accounts import services as accounts
from warehouse.accounts.models import Role
from warehouse.api.core import forget_idempotency_keys
from warehouse.core.commands import check_language, login_name, write_pdf
from warehouse.core.errors import DomainError
from warehouse.reports.cli import report_cli
from warehouse.reports.stock_sheet import build_count_sheet, build_stock_sheet
from warehouse.stock import queries as stock_queries
from warehouse.stock import services as ledger

stock_cli = AppGroup("stock", help="Stock ledger commands.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(stock_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)
    app.cli.add_command(lan_certificate)
    app.cli.add_command(api_cli)


@click.group("api")
def api_cli() -> None:
    """The JSON API's housekeeping."""


@api_cli.command("forget-keys")
@click.option("--days", default=30, show_default=True, type=click.IntRange(min=8),
              help="Keep the answers to Idempotency-Keys younger than this.")
def forget_keys(days: int) -> None:
    """Delete stored answers to old Idempotency-Keys (run it daily, e.g. from cron)."""
    click.echo(f"Forgot {forget_idempotency_keys(days=days)} stored API answers older "
               f"than {days} days.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has data.")
@click.option("--weeks", default=8, show_default=True, help="Weeks of history to make up.")
@click.option("--seed", default=2026, show_default=True, help="Random seed, for repeatable data.")
def seed_demo(if_empty: bool, weeks: int, seed: int) -> None:
    """Load a realistic demo: sites, partners, catalogue, boxes and weeks of history."""
    if if_empty and not demo.database_is_empty():
        click.echo("The database already has data; demo data not loaded.")
        if demo.has_demo_accounts():
            click.echo(demo.sign_in_help())
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
    try:
        user = accounts.create_user(email=email, name=name, role=Role(role),
                                    organisation=organisation, password=password)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@click.command("lan-certificate")
@click.option("--name", "extra_names", multiple=True, metavar="NAME_OR_IP",
              help="Another local name or address tablets use, e.g. warehouse.lan or "
                   "192.168.1.10 (repeatable).")
@click.option("--port", default=5000, show_default=True,
              help="Port the server listens on (for the addresses printed).")
@click.option("--folder", type=click.Path(file_okay=False),
              help="Where the files go; default instance/tls, or WAREHOUSE_TLS_DIR.")
def lan_certificate(extra_names: tuple[str, ...], port: int, folder: str | None) -> None:
    """Make, once, the LAN certificate authority and this machine's HTTPS certificate."""
    names, addresses = lan_tls.lan_names()
    for extra in extra_names:
        try:
            addresses.append(str(ipaddress.ip_address(extra)))
        except ValueError:
            names.append(extra)
    result = lan_tls.ensure_certificates(
        folder or lan_tls.tls_folder(current_app.instance_path),
        dns_names=names, ip_addresses=addresses)
    click.echo(lan_tls.instructions(result, port=port))


@stock_cli.command("verify")
@click.option("--repair", is_flag=True,
              help="Rewrite the stored levels to what the ledger adds up to.")
def verify(repair: bool) -> None:
    """Recompute every stock level and box from the ledger; exit 1 on any difference."""
    levels = stock_queries.stock_differences()
    boxes = stock_queries.box_differences()
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
        ledger.rebuild_stock_levels()
        click.echo(f"Rewrote {len(levels)} stock level(s) from the ledger.")
    sys.exit(1)


@stock_cli.command("sheet")
@click.option("--site", "site_code", required=True, help="Code of the site, e.g. CAL.")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Print a past day's sheet (YYYY-MM-DD); default today.")
@click.option("--lang", help="Language of the sheet, e.g. fr; default English.")
@click.option("--by", "printed_by", help="Name shown as who printed it; default your login.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="PDF file to write, or - for standard output (e.g. to pipe into lp).")
def stock_sheet(site_code: str, day, lang: str | None, printed_by: str | None,
                out: str) -> None:
    """Write a site's daily stock sheet as a PDF: the same one the stock page prints."""
    check_language(lang)
    site = stock_queries.site_by_code(site_code)
    if site is None:
        raise click.ClickException(f"There is no site with the code {site_code!r}. "
                                   f"Known codes: {stock_queries.site_codes_text()}.")
    write_pdf(out, lambda: build_stock_sheet(
        site.id, day=day.date() if day else None, lang=lang,
        printed_by=printed_by or login_name()))


@stock_cli.command("count-sheet")
@click.option("--location", "location_code", required=True,
              help="Code of the shelf or bay, as on its label, e.g. L00012.")
@click.option("--lang", help="Language of the sheet, e.g. fr; default English.")
@click.option("--by", "printed_by", help="Name shown as who printed it; default your login.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="PDF file to write, or - for standard output.")
def stock_count_sheet(location_code: str, lang: str | None, printed_by: str | None,
                      out: str) -> None:
    """Write the stocktake count sheet of a shelf or bay as a PDF."""
    check_language(lang)
    location = stock_queries.location_by_code(location_code)
    if location is None:
        raise click.ClickException(f"There is no location with the code {location_code!r}: "
                                   "use the code printed on its label, e.g. L00012.")
    write_pdf(out, lambda: build_count_sheet(location.id, lang=lang,
                                              printed_by=printed_by or login_name()))
