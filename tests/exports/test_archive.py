"""A partner's coordinator downloads all of their organisation's data as one ZIP, and
nothing of any other partner's."""
import csv
import io
import zipfile

from tests.conftest import login
from tests.exports.conftest import french

FILES = {"requests.csv", "custody.csv", "distributions.csv", "returns.csv", "README.txt"}


def open_archive(response) -> tuple[zipfile.ZipFile, dict[str, list[list[str]]]]:
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    tables = {}
    for name in archive.namelist():
        if name.endswith(".csv"):
            text = archive.read(name).decode("utf-8")
            assert text.startswith("\ufeff")
            tables[name] = list(csv.reader(io.StringIO(text[1:])))
    return archive, tables


def test_a_coordinator_downloads_their_organisations_data_as_one_archive(
        client, world, coordinator_a, partner_a):
    login(client, coordinator_a)
    page = client.get(f"/distributions/custody/{partner_a.id}").get_data(as_text=True)
    assert f"/distributions/custody/{partner_a.id}/archive.zip" in page
    archive, tables = open_archive(client.get(
        f"/distributions/custody/{partner_a.id}/archive.zip"))
    assert set(archive.namelist()) == FILES
    requests = tables["requests.csv"]
    assert requests[0][:3] == ["Request", "Organisation", "Status"]
    assert [row[1] for row in requests[1:]] == ["Partner A"]
    assert requests[1][8] == "4"  # requested
    distributions = tables["distributions.csv"]
    assert [row[2] for row in distributions[1:]] == ["Partner A"]
    assert distributions[1][16] == "'+33 6 12 34 56 78"  # the note, defused
    custody = tables["custody.csv"]
    assert sorted(int(row[6]) for row in custody[1:]) == [-6, -1, 10]
    returns = tables["returns.csv"]
    assert [int(row[6]) for row in returns[1:]] == [-1]
    readme = archive.read("README.txt").decode("utf-8")
    assert "Partner A" in readme
    for name in FILES - {"README.txt"}:
        assert name in readme
    assert "People reached" in readme and "#reached+total" in readme


def test_the_archive_holds_nothing_of_another_partner(client, world, coordinator_a,
                                                      coordinator_b, partner_a, partner_b):
    login(client, coordinator_b)
    assert client.get(f"/distributions/custody/{partner_a.id}/archive.zip").status_code == 404
    archive, tables = open_archive(client.get(
        f"/distributions/custody/{partner_b.id}/archive.zip"))
    everything = "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    assert "Partner A" not in everything and "+33 6 12 34 56 78" not in everything
    assert "Cora Coordinator" not in everything  # partner A's coordinator
    assert "Partner B's own note" in everything
    assert {row[1] for row in tables["requests.csv"][1:]} == {"Partner B"}


def test_a_manager_downloads_any_partners_archive_and_a_volunteer_none(
        client, world, manager, volunteer, partner_a):
    login(client, manager)
    _, tables = open_archive(client.get(f"/distributions/custody/{partner_a.id}/archive.zip"))
    assert {row[2] for row in tables["distributions.csv"][1:]} == {"Partner A"}
    assert {row[1] for row in tables["requests.csv"][1:]} == {"Partner A"}
    login(client, volunteer)
    assert client.get(f"/distributions/custody/{partner_a.id}/archive.zip").status_code == 403


def test_the_archive_speaks_the_readers_language(client, world, coordinator_a, partner_a):
    login(client, coordinator_a)
    french(client)
    archive, tables = open_archive(client.get(
        f"/distributions/custody/{partner_a.id}/archive.zip"))
    assert tables["requests.csv"][0][0] == "Demande"
    assert "Quantité" in tables["distributions.csv"][0]
