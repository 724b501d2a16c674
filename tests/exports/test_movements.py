"""The movements and write-off lists, and their downloads with the filters applied."""
from datetime import datetime

from tests.conftest import login
from warehouse.core.clock import local_today
from tests.exports.conftest import french, hxl_problems, read_csv, read_hxl, read_xlsx


def test_a_volunteer_sees_the_ledger_line_by_line(client, world, volunteer):
    login(client, volunteer)
    page = client.get("/stock/movements")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Movements" in text and "Dispatched to a partner" in text
    assert "/stock/movements.xlsx" in text and "/stock/movements.hxl.csv" in text


def test_the_movements_csv_has_every_line_the_filters_match(client, world, manager):
    login(client, manager)
    everything = read_csv(client.get("/stock/movements.csv"))
    assert everything[0][:4] == ["When", "Line", "Document", "What happened"]
    # 3 receipts, 2 dispatches, 2 distributions, 2 returns, 1 write-off
    assert len(everything) == 1 + 10
    dispatches = read_csv(client.get("/stock/movements.csv?kind=dispatch"))
    assert len(dispatches) == 1 + 2
    assert {row[3] for row in dispatches[1:]} == {"Dispatched to a partner"}
    assert {row[13] for row in dispatches[1:]} == {"Partner A", "Partner B"}
    blankets = read_csv(client.get(f"/stock/movements.csv?item={world['blankets'].id}"))
    assert len(blankets) == 1 + 2
    today = local_today().isoformat()
    assert len(read_csv(client.get(f"/stock/movements.csv?date_from={today}"))) == 1 + 10
    assert len(read_csv(client.get("/stock/movements.csv?date_to=2020-01-01"))) == 1


def test_a_movements_download_with_a_bad_filter_says_what_is_wrong(client, world, manager):
    login(client, manager)
    response = client.get("/stock/movements.csv?date_from=31-13-2026&kind=stolen")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Nothing was exported" in text and "From" in text and "stolen" in text


def test_a_bad_filter_is_explained_in_french_too(client, world, manager):
    login(client, manager)
    french(client)
    response = client.get("/stock/movements.xlsx?site=999999",
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "999999" in response.get_json()["detail"]


def test_coordinators_cannot_download_the_ledger(client, world, coordinator_a):
    login(client, coordinator_a)
    assert client.get("/stock/movements.csv").status_code == 403
    assert client.get("/stock/write-offs.xlsx").status_code == 403


def test_the_movements_xlsx_keeps_numbers_and_times_typed(client, world, manager):
    login(client, manager)
    rows = read_xlsx(client.get("/stock/movements.xlsx?kind=write_off"))
    assert [c.value for c in rows[0]][:3] == ["When", "Line", "Document"]
    (line,) = rows[1:]
    assert isinstance(line[0].value, datetime)
    assert isinstance(line[1].value, int) and line[9].value == 2
    assert line[4].value == "Mouldy or wet"
    # A note that starts like a formula stays text, shown as typed.
    assert line[17].value == "-wet after the storm" and line[17].data_type == "s"
    assert line[17].quotePrefix


def test_the_movements_xlsx_headers_are_in_the_readers_language(client, world, manager):
    login(client, manager)
    french(client)
    header = [c.value for c in read_xlsx(client.get("/stock/movements.xlsx"))[0]]
    assert header[0] == "Quand" and "Article" in header and "Quantité" in header


def test_the_dispatches_as_hxl_pass_libhxl_validation(client, world, manager):
    login(client, manager)
    response = client.get("/stock/movements.hxl.csv?kind=dispatch")
    assert response.headers["Content-Disposition"].endswith('.hxl.csv"')
    tags = [column.display_tag for column in read_hxl(response).columns]
    assert {"#date", "#org+name", "#item+code", "#output+num", "#adm1+name"} <= set(tags)
    rows = list(read_hxl(response))
    assert sorted(row.get("#org+name") for row in rows) == ["Partner A", "Partner B"]
    assert sum(int(row.get("#output+num")) for row in rows) == 20
    assert hxl_problems(read_hxl(response), [
        ["#date", "true", "date"], ["#item+code", "true", ""],
        ["#output+num", "true", "number"], ["#org+name", "true", ""],
        ["#adm1+name", "true", ""]]) == []


def test_write_offs_have_a_list_of_their_own_for_managers(client, world, manager, volunteer):
    login(client, manager)
    page = client.get("/stock/write-offs")
    assert page.status_code == 200
    assert "Mouldy or wet" in page.get_data(as_text=True)
    rows = read_csv(client.get("/stock/write-offs.csv"))
    assert len(rows) == 2 and rows[1][4] == "Mouldy or wet"
    assert rows[1][17] == "'-wet after the storm"
    login(client, volunteer)
    assert client.get("/stock/write-offs").status_code == 403
