"""RSA2 (SHA256withRSA, PKCS#1 v1.5) as Alipay uses it: the string to sign, signing, verifying, and
the run's two key pairs (the merchant's app key and the fake's platform key), written as files.

What is signed (Alipay's rule, what both Python SDKs do): every parameter except `sign` (and, for
notifications, `sign_type`), sorted by name, `name=value` joined with `&`, values as sent (not
URL-encoded). A synchronous answer is signed over the exact JSON text of its `*_response` object.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KEY_BITS = 2048
PLATFORM_KEY_FILE = "paychaos_alipay_private_key.pem"   # the fake's signing key: not the shop's to read
_PAD = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


def sign_content(params: dict[str, str], *, drop: tuple[str, ...] = ("sign",)) -> str:
    """`a=1&b=2`: the parameters Alipay signs, sorted, values as they are; empty values left out
    (Alipay's rule; the SDKs never send empty values)."""
    return "&".join(f"{k}={params[k]}" for k in sorted(params) if k not in drop and params[k] != "")


def new_private_key(bits: int = KEY_BITS) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def sign(key: rsa.RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode("utf-8"), _PAD, _SHA256)).decode("ascii")


def verify(key: rsa.RSAPublicKey, text: str, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=False)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False
    try:
        key.verify(raw, text.encode("utf-8"), _PAD, _SHA256)
        return True
    except (InvalidSignature, ValueError):
        return False


def private_pem(key: rsa.RSAPrivateKey) -> str:
    """PKCS#1 (`BEGIN RSA PRIVATE KEY`): what both SDKs load (the official one with `rsa`)."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode("ascii")


def public_pem(key: rsa.RSAPublicKey) -> str:
    """SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`), as Alipay's console hands out its public key."""
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def bare(pem: str) -> str:
    """The base64 body of a PEM, one line: what Alipay's console shows and the official SDK takes."""
    return "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))


def load_public(text: str) -> rsa.RSAPublicKey:
    """A public key as PEM or bare base64 (SubjectPublicKeyInfo)."""
    text = text.strip()
    if not text.startswith("-----"):
        text = "-----BEGIN PUBLIC KEY-----\n" + text + "\n-----END PUBLIC KEY-----\n"
    key = serialization.load_pem_public_key(text.encode("ascii"))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


@dataclass
class RunKeys:
    """One run's keys: the merchant's app key pair and the fake's platform (Alipay) key pair."""

    app_id: str
    app_private: rsa.RSAPrivateKey
    platform_private: rsa.RSAPrivateKey

    @property
    def app_public(self) -> rsa.RSAPublicKey:
        return self.app_private.public_key()

    @property
    def platform_public(self) -> rsa.RSAPublicKey:
        return self.platform_private.public_key()

    @classmethod
    def generate(cls, app_id: str = "2021000000000001", bits: int = KEY_BITS) -> RunKeys:
        return cls(app_id, new_private_key(bits), new_private_key(bits))

    def write(self, folder: str) -> dict[str, str]:
        """The files a merchant is handed (private key readable by this user only); name -> path."""
        files = {
            "app_private_key": ("app_private_key.pem", private_pem(self.app_private)),
            "app_public_key": ("app_public_key.pem", public_pem(self.app_public)),
            "alipay_public_key": ("alipay_public_key.pem", public_pem(self.platform_public)),
            "platform_private_key": (PLATFORM_KEY_FILE, private_pem(self.platform_private)),
        }
        out = {}
        for name, (filename, text) in files.items():
            path = os.path.join(folder, filename)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(text)
            out[name] = path
        out.pop("platform_private_key")   # kept for read(), not handed to the shop
        return out

    @classmethod
    def read(cls, folder: str, app_id: str) -> RunKeys | None:
        """The keys an earlier gateway wrote to `folder` (write()), or None when any is missing or unreadable."""
        try:
            keys = [serialization.load_pem_private_key(open(os.path.join(folder, name), "rb").read(), None)
                    for name in ("app_private_key.pem", PLATFORM_KEY_FILE)]
        except (OSError, ValueError, TypeError):
            return None
        if not all(isinstance(k, rsa.RSAPrivateKey) for k in keys):
            return None
        return cls(app_id, keys[0], keys[1])
