"""WeChat Pay v3's signatures and encryption, both ways.

- Requests: `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",signature="..",
  timestamp="..",serial_no=".."`, the signature SHA256withRSA (PKCS#1 v1.5) over
  "METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n" with the merchant's private key.
- Answers and notifications: headers Wechatpay-Timestamp, -Nonce, -Serial, -Signature,
  -Signature-Type, the signature over "TIMESTAMP\\nNONCE\\nBODY\\n" with the platform key.
- Notifications' `resource` and the certificates' download: AEAD_AES_256_GCM with the APIv3 key,
  nonce 12 characters, associated data a short text, ciphertext base64 (tag appended).
"""

from __future__ import annotations

import base64
import re
import secrets

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SCHEME = "WECHATPAY2-SHA256-RSA2048"
_PARAM = re.compile(r'(\w+)="([^"]*)"')


def nonce(length: int = 32) -> str:
    """Upper-case hex, as wechatpayv3 makes its nonces (one urandom call: cheap enough per answer)."""
    return secrets.token_hex((length + 1) // 2)[:length].upper()


def sign(key: rsa.RSAPrivateKey, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(public_key, message: str, signature: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature, validate=True), message.encode(),
                          padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def parse_authorization(header: str | None) -> dict[str, str] | None:
    """The parameters of a WECHATPAY2-SHA256-RSA2048 Authorization header, or None for another scheme."""
    if not header:
        return None
    scheme, _, rest = header.strip().partition(" ")
    if scheme != SCHEME:
        return None
    return dict(_PARAM.findall(rest))


def request_message(method: str, path_qs: str, timestamp: str, nonce_str: str, body: str) -> str:
    return f"{method}\n{path_qs}\n{timestamp}\n{nonce_str}\n{body}\n"


def answer_message(timestamp: str, nonce_str: str, body: str) -> str:
    return f"{timestamp}\n{nonce_str}\n{body}\n"


def encrypt(apiv3_key: str, plaintext: str, associated_data: str) -> dict:
    """An `encrypt-resource` / `encrypt_certificate` object."""
    iv = nonce(12)
    data = AESGCM(apiv3_key.encode()).encrypt(iv.encode(), plaintext.encode(), associated_data.encode())
    return {"algorithm": "AEAD_AES_256_GCM", "nonce": iv, "associated_data": associated_data,
            "ciphertext": base64.b64encode(data).decode()}
