"""Every list downloads as CSV and XLSX with the filters it shows, to whoever may see it."""
from datetime import datetime

import pytest

from tests.conftest import login
from warehouse.core.clock import local_today
from tests.exports.conftest import french, hxl_problems, read_csv, read_hxl, read_xlsx

# (list page, its downloads without the extension), for the users who may open them.
LISTS = [
    ("/stock", "/stock/export"),
    ("/boxes", "/boxes/export"),
    ("/intake/donations", "/intake/donations"),
    ("/stock/movements", "/stock/movements"),
    ("/stock/write-offs", "/stock/write-offs"),
    ("/requests/", "/requests/export"),
    ("/distributions/", "/distributions/export"),
    ("/admin/audit", "/admin/audit"),
]


@pytest.mark.parametrize("page, download", LISTS)
def test_every_list_links_to_its_csv_and_xlsx_and_both_open(client, world, admin, page,
                                                            download):
    login(client, admin)
    text = client.get(page).get_data(as_text=True)
    for extension in (".csv", ".xlsx"):
        assert f'href="{download}{extension}' in text, (page, extension)
    csv_rows = read_csv(client.get(download + ".csv"))
    xlsx_rows = read_xlsx(client.get(download + ".xlsx"))
    assert [c.value for c in xlsx_rows[0]] == csv_rows[0]
    assert len(xlsx_rows) == len(csv_rows)


def test_the_custody_history_downloads_as_csv_and_xlsx(client, world, coordinator_a):
    login(client, coordinator_a)
    custody = f"/distributions/custody/{coordinator_a.organisation_id}"
    assert f'href="{custody}.xlsx"' in client.get(custody).get_data(as_text=True)
    rows = read_xlsx(client.get(custody + ".xlsx"))
    assert [c.value for c in rows[0]][:3] == ["When", "Document", "What"]
    changes = sorted(row[6].value for row in rows[1:])
    assert changes == [-6, -1, 10]  # numbers, negative ones included, stay numbers
    assert all(isinstance(row[0].value, datetime) for row in rows[1:])


def test_a_coordinator_downloads_only_their_organisations_rows(client, world, coordinator_a):
    login(client, coordinator_a)
    distributions = read_csv(client.get("/distributions/export.csv"))
    assert {row[2] for row in distributions[1:]} == {"Partner A"}
    requests = read_xlsx(client.get("/requests/export.xlsx"))
    assert {row[1].value for row in requests[1:]} == {"Partner A"}
    # Another partner's custody is not found, in any format.
    other = world_other_partner(coordinator_a)
    for extension in (".csv", ".xlsx"):
        assert client.get(f"/distributions/custody/{other}{extension}").status_code == 404
    # The partner filter is the staff's: a coordinator naming another partner gets nothing.
    assert client.get(f"/distributions/export.csv?partner={other}").status_code == 400


def world_other_partner(coordinator):
    from sqlalchemy import select

    from warehouse.accounts.models import Organisation, OrganisationKind
    from warehouse.extensions import db
    return db.session.scalar(select(Organisation.id).where(
        Organisation.kind == OrganisationKind.PARTNER,
        Organisation.id != coordinator.organisation_id))


def test_lists_a_role_may_not_see_refuse_their_downloads(client, world, volunteer,
                                                         coordinator_a, manager):
    login(client, volunteer)
    for url in ("/distributions/export.csv", "/requests/export.xlsx", "/admin/audit.csv",
                "/stock/write-offs.xlsx"):
        assert client.get(url).status_code == 403, url
    login(client, coordinator_a)
    for url in ("/boxes/export.xlsx", "/intake/donations.csv", "/stock/movements.hxl.csv",
                "/admin/audit.xlsx"):
        assert client.get(url).status_code == 403, url
    login(client, manager)
    assert client.get("/admin/audit.csv").status_code == 403


def test_a_refusal_is_in_the_readers_language(client, world, volunteer):
    login(client, volunteer)
    french(client)
    response = client.get("/distributions/export.xlsx")
    assert response.status_code == 403
    assert "Vous n" in response.get_data(as_text=True) or "accès" in response.get_data(
        as_text=True)


def test_the_distributions_download_keeps_the_filters(client, world, manager, partner_a):
    login(client, manager)
    everything = read_csv(client.get("/distributions/export.csv"))
    assert len(everything) == 1 + 2
    mine = read_csv(client.get(f"/distributions/export.csv?partner={partner_a.id}"))
    assert [row[2] for row in mine[1:]] == ["Partner A"]
    assert len(read_csv(client.get("/distributions/export.csv?reason=routine"))) == 1
    assert len(read_csv(client.get("/distributions/export.csv?date_to=2001-01-01"))) == 1


def test_bad_filters_refuse_the_download_and_say_which(client, world, manager, admin):
    login(client, manager)
    for url, words in (("/distributions/export.csv?date_from=yesterday", "From"),
                       ("/distributions/export.xlsx?reason=boredom", "boredom"),
                       ("/intake/donations.csv?priority=later", "later"),
                       ("/boxes/export.xlsx?site=abc", "abc"),
                       ("/requests/export.csv?status=lost", "lost")):
        response = client.get(url)
        assert response.status_code == 400, url
        text = response.get_data(as_text=True)
        assert "Nothing was exported" in text and words in text, url
    login(client, admin)
    assert client.get("/admin/audit.xlsx?date_to=12/31").status_code == 400


def test_the_distributions_xlsx_has_typed_cells_and_english_or_french_headers(
        client, world, manager):
    login(client, manager)
    rows = read_xlsx(client.get("/distributions/export.xlsx"))
    header = [c.value for c in rows[0]]
    assert header[:3] == ["Distribution", "Day", "Partner"]
    first = rows[1]
    assert isinstance(first[0].value, int)
    assert first[1].is_date and first[1].value.date() == local_today()
    assert [c.value for c in first[10:15]] == [6, 6, 2, 3, 1]
    assert all(c.data_type == "n" for c in first[10:15])
    french(client)
    header = [c.value for c in read_xlsx(client.get("/distributions/export.xlsx"))[0]]
    assert header[1:3] == ["Jour", "Partenaire"] and "Quantité" in header


def test_text_that_looks_like_a_formula_is_defused_in_csv_and_kept_as_text_in_xlsx(
        client, world, manager):
    login(client, manager)
    csv_rows = read_csv(client.get("/distributions/export.csv"))
    notes = {row[16] for row in csv_rows[1:]}
    assert "'+33 6 12 34 56 78" in notes
    boxes_csv = read_csv(client.get("/stock/export.csv"))
    names = {row[4] for row in boxes_csv[1:]}
    assert "'=HYPERLINK(\"http://evil\")" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in boxes_csv[1:]
                   for cell in row)
    stock = read_xlsx(client.get("/stock/export.xlsx"))
    cell = next(row[4] for row in stock[1:] if "HYPERLINK" in str(row[4].value))
    assert cell.value == "=HYPERLINK(\"http://evil\")"
    assert cell.data_type == "s" and cell.quotePrefix
    assert all(row[6].data_type == "n" for row in stock[1:])


def test_the_stock_and_distributions_pass_libhxl_validation(client, world, manager):
    login(client, manager)
    stock = client.get("/stock/export.hxl.csv")
    assert hxl_problems(read_hxl(stock), [
        ["#loc+name", "true", ""], ["#adm1+name", "true", ""], ["#item+code", "true", ""],
        ["#item+name", "true", ""], ["#output+num", "true", "number"]]) == []
    assert {row.get("#item+name") for row in read_hxl(stock)} >= {"Tent"}
    distributions = client.get("/distributions/export.hxl.csv")
    dataset = read_hxl(distributions)
    assert {"#date", "#org+name", "#loc+name", "#adm1+name", "#item+name", "#item+code",
            "#output+num", "#reached+total", "#reached+f", "#reached+m",
            "#reached+children"} <= {column.display_tag for column in dataset.columns}
    assert hxl_problems(read_hxl(distributions), [
        ["#date", "true", "date"], ["#org+name", "true", ""],
        ["#output+num", "true", "number"], ["#reached+total", "true", "number"],
        ["#reached+f", "false", "number"], ["#reached+children", "false", "number"]]) == []
    assert sum(int(row.get("#reached+total")) for row in read_hxl(distributions)) == 12


def test_the_audit_log_downloads_with_its_filters(client, world, admin):
    login(client, admin)
    rows = read_xlsx(client.get("/admin/audit.xlsx"))
    assert [c.value for c in rows[0]][:3] == ["When", "Who", "Action"]
    assert len(read_csv(client.get("/admin/audit.csv?date_to=2001-01-01"))) == 1
