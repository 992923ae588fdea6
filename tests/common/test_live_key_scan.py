"""carries_live_key_in reads all header values at once in the common case; it must still find every
key the header-by-header reading finds (the proxy's refusal, end to end: tests/proxies/test_live_key_bypasses.py)."""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from paychaos.common.netsafety import authorization_text, carries_live_key_decoded, carries_live_key_in

LIVE = "sk_live_51Habcdefgh"


def header_by_header(target: str, headers, body: bytes) -> bool:
    """The reading the fast path must agree with: body, target, then each header on its own."""
    if carries_live_key_decoded(body.decode("utf-8", "replace")) or carries_live_key_decoded(target):
        return True
    for name, value in headers:
        text = value.decode("utf-8", "replace")
        if name.lower() in (b"authorization", b"proxy-authorization"):
            text = authorization_text(text)
        if carries_live_key_decoded(text):
            return True
    return False


_pieces = st.sampled_from(["Bearer ", "Basic ", "basic\t", "BASIC ", "sk_test_ok", LIVE, "%5F", "%6c", "%25",
                           "\\u005f", "_live_", "live", "sk", "_", "x", "=", " ",
                           base64.b64encode(f"{LIVE}:".encode()).decode(),
                           base64.urlsafe_b64encode(f"u:{LIVE}".encode()).decode().rstrip("=")])
_value = st.lists(_pieces, max_size=5).map("".join)
_name = st.sampled_from([b"Authorization", b"authorization", b"Proxy-Authorization", b"X-Api-Key", b"User-Agent"])


@settings(max_examples=400)
@given(st.lists(st.tuples(_name, _value.map(str.encode)), max_size=4), _value, _value.map(str.encode))
def test_the_one_pass_over_headers_finds_what_header_by_header_finds(headers, target, body):
    assert carries_live_key_in("/v1/x?" + target, headers, body) == header_by_header("/v1/x?" + target, headers, body)


def test_basic_credentials_in_any_case_of_the_scheme_are_decoded():
    creds = base64.b64encode(f"{LIVE}:".encode())
    for scheme in (b"Basic ", b"basic ", b"BASIC\t", b"bAsIc  "):
        headers = [(b"User-Agent", b"curl/8"), (b"Proxy-Authorization", scheme + creds)]
        assert carries_live_key_in("/v1/balance", headers, b"")
    assert not carries_live_key_in("/v1/balance", [(b"Authorization", b"Basic " + base64.b64encode(b"sk_test_1:"))], b"")
