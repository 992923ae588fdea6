"""The run's keys, made fresh per gateway process and handed to the merchant as files:

- the merchant's API key pair (the merchant signs requests with the private key; the gateway verifies
  with the public one, as WeChat Pay does with the merchant's uploaded API certificate),
- the platform key and its X.509 certificate (the gateway signs answers and notifications with it; the
  merchant's SDK checks them against the certificate, fetched from GET /v3/certificates),
- the APIv3 key (32 characters: AES-256-GCM of notifications and of the certificates' download),
- the merchant id (mchid), the app id and the merchant certificate's serial number.

`write(dir)` puts them in `dir` (mode 0600) and returns the paths and values the ready line carries;
with them the fake's own platform private key (PLATFORM_KEY_FILE, not for the shop), so that
`read_run_keys(dir)` can give a later gateway the same keys (`--keys-dir`: a shop keeps its configuration
across restarts of the fake).
"""

from __future__ import annotations

import datetime
import json
import os
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

PLATFORM_KEY_FILE = "paychaos_platform_private_key.pem"   # the fake's signing key: not the shop's to read
MCHID = "1900000109"          # the sandbox's well-known example merchant id
APPID = "wxd678efh567hg6787"  # the example app id of WeChat Pay's documentation
_ALNUM = string.ascii_letters + string.digits


def _serial_hex(n: int) -> str:
    return format(n, "X")


@dataclass
class PlatformCert:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    serial_no: str           # upper-case hex, as the Wechatpay-Serial header carries it
    pem: str


def new_platform_cert(valid_days: int = 365) -> PlatformCert:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tenpay.com (paychaos fake)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (paychaos fake)")])
    now = datetime.datetime.now(datetime.UTC)
    serial = x509.random_serial_number()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(serial).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=valid_days)).sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return PlatformCert(key, cert, _serial_hex(serial), pem)


@dataclass
class RunKeys:
    merchant_key: rsa.RSAPrivateKey
    merchant_serial_no: str
    apiv3_key: str
    platforms: list[PlatformCert] = field(default_factory=list)   # the newest signs; all are served
    mchid: str = MCHID
    appid: str = APPID

    @property
    def platform(self) -> PlatformCert:
        return self.platforms[-1]

    def rotate(self) -> PlatformCert:
        """A new platform certificate signs from now on (the old one is still served, as WeChat does)."""
        self.platforms.append(new_platform_cert())
        return self.platform

    def merchant_private_pem(self) -> str:
        return self.merchant_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()).decode()

    def write(self, folder: str | Path) -> dict:
        """Write the merchant's files; the values and paths the ready line (and the target placeholders) carry."""
        folder = Path(folder)
        certs = folder / "platform_certs"
        certs.mkdir(parents=True, exist_ok=True)
        key_path = folder / "apiclient_key.pem"
        _write_private(key_path, self.merchant_private_pem())
        for plat in self.platforms:
            _write_private(certs / f"{plat.serial_no}.pem", plat.pem)
        apiv3_path = folder / "apiv3_key.txt"
        _write_private(apiv3_path, self.apiv3_key)
        _write_private(folder / PLATFORM_KEY_FILE, self.platform.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())
        info = {"mchid": self.mchid, "appid": self.appid, "merchant_serial_no": self.merchant_serial_no,
                "private_key_file": str(key_path), "cert_dir": str(certs), "apiv3_key_file": str(apiv3_path),
                "platform_serial_no": self.platform.serial_no}
        _write_private(folder / "wechatpay.json", json.dumps(info, indent=2))
        return info


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def new_run_keys() -> RunKeys:
    merchant = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    serial = _serial_hex(x509.random_serial_number())
    apiv3 = "".join(secrets.choice(_ALNUM) for _ in range(32))
    return RunKeys(merchant, serial, apiv3, [new_platform_cert()])


def read_run_keys(folder: str | Path) -> RunKeys | None:
    """The keys an earlier gateway wrote to `folder` (write()), or None when any part is missing or
    unreadable (then the caller makes new ones and writes them over)."""
    folder = Path(folder)
    try:
        info = json.loads((folder / "wechatpay.json").read_text(encoding="utf-8"))
        merchant = serialization.load_pem_private_key((folder / "apiclient_key.pem").read_bytes(), None)
        platform_key = serialization.load_pem_private_key((folder / PLATFORM_KEY_FILE).read_bytes(), None)
        serial = str(info["platform_serial_no"])
        pem = (folder / "platform_certs" / f"{serial}.pem").read_text(encoding="utf-8")
        cert = x509.load_pem_x509_certificate(pem.encode())
        apiv3 = (folder / "apiv3_key.txt").read_text(encoding="utf-8")
        keys = RunKeys(merchant, str(info["merchant_serial_no"]), apiv3, [PlatformCert(platform_key, cert, serial, pem)],
                       mchid=str(info["mchid"]), appid=str(info["appid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    fits = (isinstance(merchant, rsa.RSAPrivateKey) and isinstance(platform_key, rsa.RSAPrivateKey)
            and cert.public_key().public_numbers() == platform_key.public_key().public_numbers() and len(apiv3) == 32)
    return keys if fits else None
