"""HTTPS on the warehouse LAN: tablets trust one local authority, and the server is reached
over https at its LAN addresses (the camera scanner needs a secure context)."""
import datetime as dt
import ipaddress
import os
import ssl
import stat
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.conftest import POSTGRES
from tests.test_scripts_run import STARTUP_SECONDS, free_port
from warehouse import lan_tls

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["warehouse-pc", "warehouse-pc.local", "localhost"]
ADDRESSES = ["127.0.0.1", "192.168.1.20"]


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_the_server_certificate_names_every_lan_address_and_is_signed_by_the_local_authority(
        tmp_path):
    made = lan_tls.ensure_certificates(tmp_path, dns_names=NAMES, ip_addresses=ADDRESSES)

    assert made.ca_created and made.server_issued and made.left_out == []
    ca, server = load(made.ca_cert), load(made.server_cert)
    server.verify_directly_issued_by(ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == NAMES
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address(a)
                                                         for a in ADDRESSES]
    assert ExtendedKeyUsageOID.SERVER_AUTH in server.extensions.get_extension_for_class(
        x509.ExtendedKeyUsage).value
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    # iPads refuse server certificates valid for more than 825 days.
    lifetime = server.not_valid_after_utc - server.not_valid_before_utc
    assert lifetime <= dt.timedelta(days=825)
    # OpenSSL, as a client would, accepts the chain for the LAN address.
    checked = subprocess.run(["openssl", "verify", "-CAfile", str(made.ca_cert),
                              "-verify_ip", "192.168.1.20", str(made.server_cert)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_private_keys_are_readable_by_their_owner_only(tmp_path):
    made = lan_tls.ensure_certificates(tmp_path, dns_names=NAMES, ip_addresses=ADDRESSES)

    for key in (tmp_path / "ca.key", made.server_key):
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600


def test_running_again_keeps_the_authority_the_tablets_trust_and_the_certificate(tmp_path):
    first = lan_tls.ensure_certificates(tmp_path, dns_names=NAMES, ip_addresses=ADDRESSES)
    ca_bytes, server_bytes = first.ca_cert.read_bytes(), first.server_cert.read_bytes()

    again = lan_tls.ensure_certificates(tmp_path, dns_names=NAMES, ip_addresses=ADDRESSES)

    assert not again.ca_created and not again.server_issued
    assert again.ca_cert.read_bytes() == ca_bytes
    assert again.server_cert.read_bytes() == server_bytes


def test_a_new_lan_address_gets_a_new_certificate_from_the_same_authority(tmp_path):
    first = lan_tls.ensure_certificates(tmp_path, dns_names=NAMES, ip_addresses=ADDRESSES)
    ca_bytes = first.ca_cert.read_bytes()

    moved = lan_tls.ensure_certificates(tmp_path, dns_names=NAMES,
                                        ip_addresses=["127.0.0.1", "10.0.0.7"])

    assert moved.server_issued and not moved.ca_created
    assert moved.ca_cert.read_bytes() == ca_bytes
    load(moved.server_cert).verify_directly_issued_by(load(moved.ca_cert))
    names = load(moved.server_cert).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("10.0.0.7") in names.get_values_for_type(x509.IPAddress)


def test_a_certificate_near_its_end_is_renewed(tmp_path):
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=lan_tls.SERVER_DAYS - 10)
    lan_tls.ensure_certificates(tmp_path, dns_names=NAMES, ip_addresses=ADDRESSES,
                                now=long_ago)

    renewed = lan_tls.ensure_certificates(tmp_path, dns_names=NAMES, ip_addresses=ADDRESSES)

    assert renewed.server_issued and not renewed.ca_created
    assert load(renewed.server_cert).not_valid_after_utc > dt.datetime.now(dt.UTC) + \
        dt.timedelta(days=300)


def test_the_authority_vouches_only_for_private_addresses_and_local_names(tmp_path):
    made = lan_tls.ensure_certificates(
        tmp_path, dns_names=[*NAMES, "bank.example.com"],
        ip_addresses=[*ADDRESSES, "8.8.8.8"])

    assert made.left_out == ["bank.example.com", "8.8.8.8"]
    constraints = load(made.ca_cert).extensions.get_extension_for_class(
        x509.NameConstraints).value
    permitted = constraints.permitted_subtrees
    assert x509.IPAddress(ipaddress.ip_network("192.168.0.0/16")) in permitted
    assert x509.DNSName("local") in permitted
    assert not any(isinstance(s, x509.DNSName) and s.value in ("com", "example.com")
                   for s in permitted)


def test_the_download_page_hands_out_the_authority_certificate_and_never_a_key(
        client, tmp_path, monkeypatch):
    monkeypatch.setenv(lan_tls.TLS_DIR_VARIABLE, str(tmp_path))
    assert client.get("/tls/ca.crt").status_code == 404  # HTTPS not set up yet
    made = lan_tls.ensure_certificates(tmp_path, dns_names=NAMES, ip_addresses=ADDRESSES)

    response = client.get("/tls/ca.crt")

    assert response.status_code == 200
    assert response.mimetype == "application/x-x509-ca-cert"
    assert response.data == made.ca_cert.read_bytes()
    assert b"PRIVATE KEY" not in response.data


def test_the_command_prints_the_addresses_and_how_to_trust_the_authority(app, tmp_path):
    result = app.test_cli_runner().invoke(args=[
        "lan-certificate", "--folder", str(tmp_path), "--port", "8443",
        "--name", "192.168.50.4", "--name", "warehouse.lan"])

    assert result.exit_code == 0, result.output
    assert "https://192.168.50.4:8443/" in result.output
    assert "https://warehouse.lan:8443/" in result.output
    assert "https://192.168.50.4:8443/tls/ca.crt" in result.output
    assert "Android" in result.output and "iPad" in result.output
    fingerprint = lan_tls.LanCertificates(folder=tmp_path).ca_fingerprint()
    assert fingerprint in result.output


@pytest.mark.slow
@pytest.mark.skipif(POSTGRES, reason="scripts/run serves the embedded SQLite database; "
                    "checked once, in the SQLite pass")
def test_scripts_run_with_https_serves_the_app_to_clients_that_trust_the_local_authority(
        tmp_path):
    port = free_port()
    tls = tmp_path / "tls"
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "WAREHOUSE_TLS_DIR": str(tls),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'lan.sqlite3'}"}
    env.pop("TEST_DATABASE_URL", None)
    server = subprocess.Popen([str(ROOT / "scripts" / "run"), "--https"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)
    trusting = None  # a client trusting the local authority, once scripts/run made it
    try:
        page = None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and server.poll() is None:
            if trusting is None and (tls / "server.crt").exists():
                trusting = ssl.create_default_context(cafile=str(tls / "ca.crt"))
            if trusting is not None:
                try:
                    with urllib.request.urlopen(f"https://localhost:{port}/login",
                                                context=trusting, timeout=5) as response:
                        page = (response.status, response.read().decode())
                        break
                except (urllib.error.URLError, ConnectionError) as error:
                    if isinstance(getattr(error, "reason", None),
                                  ssl.SSLCertVerificationError):
                        raise
            time.sleep(0.5)
        assert page is not None, "scripts/run --https did not serve the app:\n" + (
            server.stdout.read() if server.poll() is not None else "(still starting)")
        assert page[0] == 200 and "Sign in" in page[1]

        # The same certificate, by its IP address, and the authority's download.
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/tls/ca.crt", context=trusting,
                                    timeout=5) as response:
            assert response.read() == (tls / "ca.crt").read_bytes()
        # A client that does not trust the local authority is refused.
        with pytest.raises(urllib.error.URLError) as refused:
            urllib.request.urlopen(f"https://localhost:{port}/login",
                                   context=ssl.create_default_context(), timeout=5)
        assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
