"""HTTPS on the warehouse LAN: a local certificate authority and this machine's certificate.

Browsers give the camera (barcode scanning on the tablets) only to a secure context:
``https://`` or ``http://localhost``. A tablet reaching the server at ``http://192.168.x.y``
gets no camera. So the server makes, once, its own certificate authority (CA), which each
tablet is told to trust, and a server certificate signed by it for the machine's LAN
addresses and host name.

Files, in ``instance/tls/`` (or ``WAREHOUSE_TLS_DIR``), never committed:

- ``ca.crt``: the CA certificate, public; installed on the tablets and served at
  ``/tls/ca.crt`` for that.
- ``ca.key``: the CA's private key, readable by the owner only. Whoever holds it can make
  certificates the tablets accept, so it never leaves this machine.
- ``server.crt`` / ``server.key``: what the web server presents. Made again, under the same
  CA, when an address or name is missing from it or it has less than 30 days left, so the
  tablets keep working without installing anything again.

Made with ``cryptography`` directly rather than trustme (a test helper): the CA must
survive restarts with its key kept private, the server certificate must stay within
Apple's 825-day limit for TLS certificates, and the CA carries name constraints (private
addresses and local names only), so even a stolen CA key could not impersonate a public
site to a tablet that trusts it.
"""
import datetime as dt
import ipaddress
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Response, abort, current_app

from warehouse.accounts.access import public

TLS_DIR_VARIABLE = "WAREHOUSE_TLS_DIR"
CA_CERT, CA_KEY = "ca.crt", "ca.key"
SERVER_CERT, SERVER_KEY = "server.crt", "server.key"
CA_DAYS = 10 * 365
# Apple refuses TLS server certificates valid for more than 825 days, even from a CA the
# user installed; browsers cap public ones at 398. Stay under both.
SERVER_DAYS = 397
RENEW_WHEN_DAYS_LEFT = 30
# Tablets whose clock is a little behind still accept a certificate made just now.
CLOCK_SKEW = dt.timedelta(hours=1)
# The only addresses and names the CA may vouch for: private, loopback, link-local and
# carrier-grade NAT (VPN) ranges, and local DNS suffixes.
PERMITTED_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
                      "169.254.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10", "::1/128")
PERMITTED_DNS_SUFFIXES = ("localhost", "local", "lan", "internal", "home.arpa")
CA_MIME_TYPE = "application/x-x509-ca-cert"


@dataclass
class LanCertificates:
    """Where the files are, and what this call had to make."""

    folder: Path
    ca_created: bool = False
    server_issued: bool = False
    dns_names: list[str] = field(default_factory=list)
    ip_addresses: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # names the CA may not vouch for

    @property
    def ca_cert(self) -> Path:
        return self.folder / CA_CERT

    @property
    def server_cert(self) -> Path:
        return self.folder / SERVER_CERT

    @property
    def server_key(self) -> Path:
        return self.folder / SERVER_KEY

    def ca_fingerprint(self) -> str:
        """SHA-256 of the CA certificate, as tablets show it, to compare before trusting."""
        cert = x509.load_pem_x509_certificate(self.ca_cert.read_bytes())
        return ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


def tls_folder(instance_path: str | os.PathLike) -> Path:
    """``WAREHOUSE_TLS_DIR`` if set, else ``<instance>/tls``."""
    return Path(os.environ.get(TLS_DIR_VARIABLE) or Path(instance_path) / "tls")


def lan_names() -> tuple[list[str], list[str]]:
    """This machine's host names and IP addresses, as tablets on the LAN may reach it."""
    host = socket.gethostname().strip().lower()
    names = [host, "localhost"]
    if host and "." not in host:
        names.insert(1, f"{host}.local")  # mDNS name, where the machine announces one
    addresses = ["127.0.0.1"]
    # The address of the interface the default route leaves through (nothing is sent).
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
            addresses.append(probe.getsockname()[0])
        except OSError:
            pass
    try:
        for info in socket.getaddrinfo(host, None, socket.AF_INET):
            addresses.append(info[4][0])
    except OSError:
        pass
    return _unique([n for n in names if n]), _unique(
        a for a in addresses if a != "0.0.0.0")


def ensure_certificates(folder: str | os.PathLike, *, dns_names, ip_addresses,
                        now: dt.datetime | None = None) -> LanCertificates:
    """Make the CA if there is none, and a server certificate if the current one falls short.

    The server certificate is kept when it was signed by this CA, names every one of
    ``dns_names`` and ``ip_addresses`` the CA may vouch for, and has 30 days or more left.
    Names outside the CA's constraints (a public address, a public domain) are left out and
    listed in ``left_out``: for those, use a real certificate.
    """
    now = now or dt.datetime.now(dt.UTC)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    result = LanCertificates(folder=folder)
    dns_names = _unique(n.strip().lower().rstrip(".") for n in dns_names if n.strip())
    ips = _unique(str(ipaddress.ip_address(a)) for a in ip_addresses)
    result.dns_names = [n for n in dns_names if _dns_permitted(n)]
    result.ip_addresses = [a for a in ips if _ip_permitted(a)]
    result.left_out = [n for n in dns_names if n not in result.dns_names] + [
        a for a in ips if a not in result.ip_addresses]

    if (folder / CA_CERT).exists() and (folder / CA_KEY).exists():
        ca_cert = x509.load_pem_x509_certificate((folder / CA_CERT).read_bytes())
        ca_key = serialization.load_pem_private_key((folder / CA_KEY).read_bytes(), None)
        # Names the CA allows were fixed when it was made (its host name among them).
        allowed = _ca_dns_subtrees(ca_cert)
        kept = [n for n in result.dns_names if _within(n, allowed)]
        result.left_out = [n for n in result.dns_names if n not in kept] + result.left_out
        result.dns_names = kept
    else:
        ca_cert, ca_key = _make_ca(result.dns_names, now)
        _write_private(folder / CA_KEY, ca_key)
        (folder / CA_CERT).write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        result.ca_created = True

    if result.ca_created or not _server_cert_covers(folder, ca_cert, result, now):
        cert, key = _make_server_cert(ca_cert, ca_key, result.dns_names,
                                      result.ip_addresses, now)
        _write_private(folder / SERVER_KEY, key)
        (folder / SERVER_CERT).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        result.server_issued = True
    return result


@public
def ca_certificate():
    """The LAN CA's certificate (public), for tablets to install; 404 when HTTPS is not set up."""
    path = tls_folder(current_app.instance_path) / CA_CERT
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        abort(404)
    # Only ever a certificate: refuse to hand out anything holding a key.
    if b"PRIVATE KEY" in pem or not pem.startswith(b"-----BEGIN CERTIFICATE-----"):
        abort(404)
    return Response(pem, mimetype=CA_MIME_TYPE, headers={
        "Content-Disposition": "attachment; filename=warehouse-lan-ca.crt",
        "Cache-Control": "no-cache"})


def instructions(result: LanCertificates, *, port: int) -> str:
    """What to tell the person starting the server: the addresses, and how to trust the CA."""
    hosts = [a for a in result.ip_addresses if not a.startswith("127.")] + [
        n for n in result.dns_names if n != "localhost"]
    urls = [f"https://{_url_host(h)}:{port}/" for h in hosts] or [f"https://localhost:{port}/"]
    made = []
    if result.ca_created:
        made.append("a new certificate authority (install it on every tablet, below)")
    if result.server_issued:
        made.append("a new server certificate")
    lines = [f"HTTPS certificates in {result.folder}: "
             + (", ".join(made) if made else "kept (still valid for these addresses)") + ".",
             "Tablets on the warehouse network open:"]
    lines += [f"  {url}" for url in urls]
    if result.left_out:
        lines.append("Not in the certificate (not a private address or a local name; such "
                     "names need a real certificate, see README): " + ", ".join(result.left_out))
    first = urls[0]
    lines += [
        "",
        "Once per tablet, trust the warehouse's certificate authority (its SHA-256 fingerprint:",
        f"  {result.ca_fingerprint()})",
        f"  1. On the tablet open {first}tls/ca.crt . The browser warns that the connection",
        "     is not private (the tablet does not know this authority yet): tap Advanced, then",
        "     Proceed (Chrome) or Show Details, then visit this website (Safari).",
        "  2. Android (Chrome): the file warehouse-lan-ca.crt is downloaded. Open Settings,",
        "     search for \"CA certificate\" (Security > More security settings > Encryption and",
        "     credentials > Install a certificate > CA certificate), tap Install anyway and",
        "     pick warehouse-lan-ca.crt from Downloads.",
        "     iPad (Safari): allow the configuration profile download. Settings > Profile",
        "     Downloaded > Install. Then Settings > General > About > Certificate Trust",
        "     Settings: switch on full trust for \"Warehouse LAN CA\".",
        f"  3. Close the browser, open {first} again: no warning, and the camera scans.",
    ]
    return "\n".join(lines)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# --- making certificates ------------------------------------------------------------------

def _make_ca(dns_names: list[str], now: dt.datetime):
    key = ec.generate_private_key(ec.SECP256R1())
    host = next((n for n in dns_names if n != "localhost"), "localhost")
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Warehouse LAN"),
        # Shown in the tablet's list of trusted certificates: say which machine made it.
        x509.NameAttribute(NameOID.COMMON_NAME,
                           f"Warehouse LAN CA ({host}, {now:%Y-%m-%d})"),
    ])
    dns_subtrees = _unique([*PERMITTED_DNS_SUFFIXES, *dns_names])
    constraints = x509.NameConstraints(
        permitted_subtrees=[x509.DNSName(n) for n in dns_subtrees]
        + [x509.IPAddress(ipaddress.ip_network(n)) for n in PERMITTED_NETWORKS],
        excluded_subtrees=None)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        # Not critical: a client that does not know name constraints still accepts the
        # CA; every current one (OpenSSL, Android, iOS, Chrome) enforces them.
        .add_extension(constraints, critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _make_server_cert(ca_cert, ca_key, dns_names: list[str], ip_addresses: list[str],
                      now: dt.datetime):
    key = ec.generate_private_key(ec.SECP256R1())
    common_name = next(iter(dns_names), None) or next(iter(ip_addresses))
    alternative_names = [x509.DNSName(n) for n in dns_names] + [
        x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _server_cert_covers(folder: Path, ca_cert, wanted: LanCertificates,
                        now: dt.datetime) -> bool:
    try:
        cert = x509.load_pem_x509_certificate((folder / SERVER_CERT).read_bytes())
        serialization.load_pem_private_key((folder / SERVER_KEY).read_bytes(), None)
        cert.verify_directly_issued_by(ca_cert)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except Exception:  # noqa: BLE001 - missing or damaged files, another CA's signature
        return False
    has_dns = set(names.get_values_for_type(x509.DNSName))
    has_ips = {str(a) for a in names.get_values_for_type(x509.IPAddress)}
    days_left = cert.not_valid_after_utc - now
    return (set(wanted.dns_names) <= has_dns and set(wanted.ip_addresses) <= has_ips
            and days_left >= dt.timedelta(days=RENEW_WHEN_DAYS_LEFT))


def _write_private(path: Path, key) -> None:
    """Write a private key readable by this user only (from the first byte on)."""
    pem = key.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    os.chmod(path, 0o600)


def _ca_dns_subtrees(ca_cert) -> list[str]:
    try:
        constraints = ca_cert.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return []
    return [s.value for s in constraints.permitted_subtrees or ()
            if isinstance(s, x509.DNSName)]


def _within(name: str, subtrees) -> bool:
    return any(name == s or name.endswith("." + s) for s in subtrees)


def _dns_permitted(name: str) -> bool:
    """Local names: the machine's own (single-label) names and local DNS suffixes."""
    return "." not in name or _within(name, PERMITTED_DNS_SUFFIXES)


def _ip_permitted(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(n) for n in PERMITTED_NETWORKS)


def _unique(values) -> list:
    seen = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen
