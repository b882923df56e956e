"""The keys and certificates Apple Wallet needs: the Pass Type ID certificate and key, the WWDR intermediate, and the
APNs token key.

Production configures them in ``settings.APPLE_WALLET`` (a file path or the PEM text itself; the pass certificate may
come as a .p12 instead). Without a pass certificate (dev, the demo, tests) a throwaway CA, a "WWDR" intermediate it
signs, a pass certificate the intermediate signs and an ES256 APNs key are generated once under ``VAR_DIR`` and reused,
so the whole pipeline (signing, ``openssl cms -verify``, APNs token auth) runs for real. Those keys never leave var/.
"""

import datetime as dt
import fcntl
import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEV_APNS_KEY_ID = "DEVKEY0001"
_UID = NameOID.USER_ID


@dataclass(frozen=True)
class PassSigner:
    """What signs a pass: the Pass Type ID certificate, its key and the WWDR certificate that issued it."""

    certificate: x509.Certificate
    key: PrivateKeyTypes
    wwdr: x509.Certificate
    # Paths of PEM files with the certificate and key, for the APNs TLS client (certificate auth) and openssl.
    certificate_path: Path
    key_path: Path
    wwdr_path: Path
    chain_path: Path  # pass certificate + WWDR, what a TLS client presents


@dataclass(frozen=True)
class ApnsTokenKey:
    key: ec.EllipticCurvePrivateKey
    key_id: str
    team_id: str


def conf() -> dict:
    return settings.APPLE_WALLET


def is_dev() -> bool:
    """True when no pass certificate is configured: passes are signed by the generated dev chain."""
    return not (conf()["PASS_CERT"] or conf()["PASS_P12"])


def var_dir() -> Path:
    return Path(conf()["VAR_DIR"])


def dev_ca_path() -> Path:
    """The generated root that the dev WWDR chains to: what ``openssl cms -verify -CAfile`` trusts in tests."""
    dev_signer()
    return var_dir() / "dev-ca.pem"


def pass_signer() -> PassSigner:
    """The signer for the current settings, loaded once per settings combination."""
    if is_dev():
        return dev_signer()
    c = conf()
    return _configured_signer(
        tuple(c[name] for name in ("PASS_CERT", "PASS_KEY", "PASS_P12", "WWDR_CERT", "PASS_TYPE_ID", "VAR_DIR"))
    )


def dev_signer() -> PassSigner:
    c = conf()
    return _dev_signer_cached(str(var_dir()), c["PASS_TYPE_ID"], c["TEAM_ID"])


def apns_token_key() -> ApnsTokenKey | None:
    """The ES256 key for APNs token auth; None means certificate auth (production without a .p8 key)."""
    c = conf()
    if c["APNS_KEY"]:
        key = serialization.load_pem_private_key(_pem_bytes(c["APNS_KEY"]), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not c["APNS_KEY_ID"]:
            raise ImproperlyConfigured("APNS_KEY must be an EC (.p8) key and APNS_KEY_ID must be set")
        return ApnsTokenKey(key=key, key_id=c["APNS_KEY_ID"], team_id=c["APNS_TEAM_ID"])
    if is_dev():
        return ApnsTokenKey(key=_dev_apns_key(str(var_dir())), key_id=DEV_APNS_KEY_ID, team_id=c["APNS_TEAM_ID"])
    return None


# --- configured (production) material -----------------------------------------------------------------------------


def _pem_bytes(value: str) -> bytes:
    """A setting holds either PEM text or a path to a file."""
    if value.lstrip().startswith("-----BEGIN"):
        return value.encode()
    return Path(value).read_bytes()


@functools.cache
def _configured_signer(settings_key: tuple[object, ...]) -> PassSigner:
    c = conf()
    if c["PASS_P12"]:
        raw = Path(c["PASS_P12"]).read_bytes()
        key, cert, _extra = pkcs12.load_key_and_certificates(raw, (c["PASS_P12_PASSWORD"] or "").encode() or None)
        if key is None or cert is None:
            raise ImproperlyConfigured("APPLE_PASS_P12 holds no certificate and key")
    else:
        cert = x509.load_pem_x509_certificate(_pem_bytes(c["PASS_CERT"]))
        if not c["PASS_KEY"]:
            raise ImproperlyConfigured("APPLE_PASS_KEY is required with APPLE_PASS_CERT")
        password = (c["PASS_KEY_PASSWORD"] or "").encode() or None
        key = serialization.load_pem_private_key(_pem_bytes(c["PASS_KEY"]), password=password)
    if not c["WWDR_CERT"]:
        raise ImproperlyConfigured("APPLE_WWDR_CERT is required (Apple WWDR G4 for certificates issued since 2022)")
    wwdr = x509.load_pem_x509_certificate(_pem_bytes(c["WWDR_CERT"]))
    if wwdr.subject != cert.issuer:
        raise ImproperlyConfigured(
            f"APPLE_WWDR_CERT ({wwdr.subject.rfc4514_string()}) did not issue the pass certificate"
        )
    # The APNs TLS client and openssl want files: keep an unencrypted copy readable by this user only.
    material = var_dir() / "configured"
    material.mkdir(parents=True, exist_ok=True)
    cert_path, key_path, wwdr_path = material / "pass.pem", material / "pass.key", material / "wwdr.pem"
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    _write_private(key_path, _key_pem(key))
    _write_private(wwdr_path, wwdr.public_bytes(serialization.Encoding.PEM))
    chain_path = material / "pass-chain.pem"
    _write_private(chain_path, cert_path.read_bytes() + wwdr_path.read_bytes())
    return PassSigner(cert, key, wwdr, cert_path, key_path, wwdr_path, chain_path)


# --- the generated dev chain -------------------------------------------------------------------------------------


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One process generates; the others (gunicorn workers, the task worker) wait and then read its files."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _key_pem(key: PrivateKeyTypes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _name(*parts: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in parts])


def _issue(
    *,
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    ca: bool,
    path_length: int | None = None,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    else:
        usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    builder = builder.add_extension(usage, critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _new_rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def _dev_signer_cached(directory: str, pass_type_id: str, team_id: str) -> PassSigner:
    base = Path(directory)
    # A pass type id of its own per folder: the certificate names it (UID), as Apple's do.
    folder = base / "dev-pki" / pass_type_id
    paths = {name: folder / f"{name}.pem" for name in ("ca", "wwdr", "pass", "pass-key", "pass-chain")}
    with _locked(folder):
        if not all(p.exists() for p in paths.values()):
            ca_key, wwdr_key, pass_key = _new_rsa(), _new_rsa(), _new_rsa()
            ca_name = _name((NameOID.COMMON_NAME, "stampcard dev Root CA (not Apple)"))
            wwdr_name = _name(
                (NameOID.COMMON_NAME, "stampcard dev Worldwide Developer Relations CA (not Apple)"),
                (NameOID.ORGANIZATIONAL_UNIT_NAME, "G4"),
                (NameOID.ORGANIZATION_NAME, "stampcard dev"),
            )
            pass_name = _name(
                (_UID, pass_type_id),
                (NameOID.COMMON_NAME, f"Pass Type ID: {pass_type_id}"),
                (NameOID.ORGANIZATIONAL_UNIT_NAME, team_id),
                (NameOID.ORGANIZATION_NAME, "stampcard dev"),
            )
            ca = _issue(subject=ca_name, key=ca_key, issuer=ca_name, issuer_key=ca_key, ca=True, path_length=1)
            wwdr = _issue(subject=wwdr_name, key=wwdr_key, issuer=ca_name, issuer_key=ca_key, ca=True, path_length=0)
            cert = _issue(subject=pass_name, key=pass_key, issuer=wwdr_name, issuer_key=wwdr_key, ca=False)
            _write_private(paths["pass-key"], _key_pem(pass_key))
            for name, c in (("ca", ca), ("wwdr", wwdr), ("pass", cert)):
                _write_private(paths[name], c.public_bytes(serialization.Encoding.PEM))
            _write_private(paths["pass-chain"], paths["pass"].read_bytes() + paths["wwdr"].read_bytes())
        # The CA's path is stable across pass type ids, for tests and docs.
        (base / "dev-ca.pem").write_bytes(paths["ca"].read_bytes())
    key = serialization.load_pem_private_key(paths["pass-key"].read_bytes(), password=None)
    return PassSigner(
        certificate=x509.load_pem_x509_certificate(paths["pass"].read_bytes()),
        key=key,
        wwdr=x509.load_pem_x509_certificate(paths["wwdr"].read_bytes()),
        certificate_path=paths["pass"],
        key_path=paths["pass-key"],
        wwdr_path=paths["wwdr"],
        chain_path=paths["pass-chain"],
    )


@functools.cache
def _dev_apns_key(directory: str) -> ec.EllipticCurvePrivateKey:
    folder = Path(directory) / "dev-pki"
    path = folder / "apns-token-key.p8"
    with _locked(folder):
        if not path.exists():
            _write_private(path, _key_pem(ec.generate_private_key(ec.SECP256R1())))
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key
