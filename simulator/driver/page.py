"""Flow `browser`: a real headless Chromium opens the merchant's own checkout page and pays on it, as a
customer does; what the page then shows is the customer's answer (docs/browser.md).

1. Opens `base_url` + `checkout.path` (GET) in a fresh browser context. The page loads stripe.js
   (paychaos's stand-in, from the gateway through the proxy), which mounts plain card fields.
2. Waits (bounded) until the card fields appear, or the page shows a message instead (an outage
   at load). The target's selectors must match on a page that came up: a selector that matches
   nothing is the target file's mistake (exit 2, naming the field).
3. Types the customer's details (`checkout.page.fill`) and card (number, MM / YY, CVC, ZIP), clicks
   `submit`, and watches: a 3-D Secure dialog is passed, failed (action three_ds_fail) or left
   (three_ds_abandon); a redirect is followed to wherever the page goes (its return page).
4. The answer is the first text shown in a `message` element (or an alert()) once the spinner is
   gone and stripe.js has nothing in flight, held still for a moment; on a page the browser was sent
   to, its message or its body text. Nothing shown once the page has settled: a failure (pending if
   stripe.js succeeded) with no message. Nothing settles before the customer's timeout: no answer.
   The time counted is from the click to the answer seen.
5. status = what the text says (`checkout.page.paid` / `pending` words, else failed); the page's
   visible text is the answer's body (leaks are looked for there); a screenshot is kept for a
   customer who did not end paid (the HTML report shows it).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import TYPE_CHECKING

from paychaos.common.errors import InputError
from paychaos.common.masking import count_pans, mask_text
from paychaos.driver import cdp
from paychaos.scenario.model import Action
from paychaos.target import render
from paychaos.target_page import HOSTED_EMAIL, HOSTED_PAY

if TYPE_CHECKING:
    from paychaos.driver.core import Driver
    from paychaos.driver.customers import Customer, Payment
    from paychaos.observations import CheckoutResult
    from paychaos.target_page import PageSpec

POLL_S = 0.15
STEADY_S = 0.4            # a message must stay the same this long to count as the answer
SETTLE_S = 2.0            # a page with nothing in flight and nothing shown, this long, shows nothing
BODY_LIMIT = 2000
MAX_SCREENSHOTS = 12      # per scenario (per Driver): the report stays readable
POSTAL = "10001"

_STATE_JS = """(() => {
  const spec = %s;
  const vis = e => !!e && !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length)
                   && getComputedStyle(e).visibility !== 'hidden';
  const textOf = e => (e.innerText || e.textContent || '').trim();
  let msg = '';
  outer: for (const s of spec.message) {
    let found; try { found = document.querySelectorAll(s); } catch (e) { continue; }
    for (const e of found) { if (vis(e) && textOf(e)) { msg = textOf(e); break outer; } }
  }
  let spin = false;
  if (spec.spinner) { try { spin = [...document.querySelectorAll(spec.spinner)].some(vis); } catch (e) {} }
  const pc = window.__paychaos || null;
  let sub = null; try { sub = document.querySelector(spec.submit); } catch (e) {}
  let form = false, formShown = false;
  try { const n = document.querySelector(spec.number); form = !!n; formShown = vis(n) && !n.disabled; } catch (e) {}
  const nav = (performance.getEntriesByType('navigation')[0] || {});
  return {url: location.href, ready: document.readyState, msg, spin,
          challenge: !!document.querySelector('[data-paychaos-3ds-dialog], button[name=result][value=pass]'),
          inflight: pc ? pc.inflight : 0, last: pc ? pc.last : null, stripe: !!pc,
          form, formShown, submit: !!sub, submitDisabled: sub ? !!sub.disabled : null,
          text: (document.body ? document.body.innerText : '').slice(0, 4000),
          status: nav.responseStatus || null};
})()"""

_MISSING_JS = """(() => {
  const spec = %s; const out = [];
  const has = s => { try { return !!document.querySelector(s); } catch (e) { return false; } };
  for (const [field, sel] of spec.checks) { if (!has(sel)) out.push([field, sel]); }
  if (spec.message.length && !spec.message.some(has)) out.push(['message', spec.message.join(', ')]);
  return out;
})()"""

_FILL_FN = """(sel, value) => {
  const e = document.querySelector(sel);
  if (!e) return false;
  e.focus();
  const proto = e instanceof HTMLSelectElement ? HTMLSelectElement.prototype :
                e instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(proto, 'value').set;
  setter.call(e, value);
  e.dispatchEvent(new Event('input', {bubbles: true}));
  e.dispatchEvent(new Event('change', {bubbles: true}));
  e.blur();
  return true;
}"""

# what the customer types, every field in one round trip: [[selector, text], ...]
_FILL_ALL_JS = "((pairs) => { const fill = " + _FILL_FN + "; for (const [s, v] of pairs) fill(s, v); return true; })(%s)"

_CLICK_JS = """((sel) => { const e = document.querySelector(sel); if (!e) return false; e.click(); return true; })(%s)"""


def _js(value) -> str:
    return json.dumps(value, ensure_ascii=False)


_idle: list[cdp.Tab] = []          # tabs a finished customer left, reset, for the next one
_idle_lock = threading.Lock()
MAX_IDLE = 8


def take_tab(run_values: dict) -> cdp.Tab:
    """A reset tab of this browser left by an earlier customer, else a new one."""
    browser = _browser(run_values)
    with _idle_lock:
        for i, tab in enumerate(_idle):
            if tab.browser is browser:
                return _idle.pop(i)
    return browser.new_tab()


def give_back(tab: cdp.Tab, origins: list[str]) -> None:
    """Reset the tab for the next customer (on a thread of its own: the customer is done) and keep it;
    closed instead when that fails or enough are kept."""
    threading.Thread(target=_reset_and_keep, args=(tab, origins), name="tab-reset", daemon=True).start()


def _reset_and_keep(tab: cdp.Tab, origins: list[str]) -> None:
    try:
        if not tab.browser.alive():
            return
        tab.reset(origins)
    except cdp.BrowserError:
        tab.close()
        return
    with _idle_lock:
        if len(_idle) < MAX_IDLE:
            _idle.append(tab)
            return
    tab.close()


def new_tab(run_values: dict) -> cdp.Tab:
    """A tab of this process's shared Chromium (cdp.shared). When the proxy runs a forward listener
    (`{proxy_url}`), the browser uses it, so a page that loads https://js.stripe.com/v3 gets the stand-in
    and its calls to api.stripe.com reach the gateway through the faults; it trusts the proxy's CA (the
    key mitmproxy signs every host's certificate with) and no other certificate error."""
    return _browser(run_values).new_tab()


def _browser(run_values: dict) -> cdp.Chromium:
    proxy, ca_cert = run_values.get("proxy_url"), run_values.get("ca_cert")
    return cdp.shared(proxy=proxy or None, ignore_cert_spki=spki_hash(ca_cert) if proxy and ca_cert else None)


def spki_hash(pem_path: str) -> str | None:
    """base64(sha256(SubjectPublicKeyInfo)) of a PEM certificate: what --ignore-certificate-errors-spki-list takes."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    try:
        with open(pem_path, "rb") as fh:
            cert = x509.load_pem_x509_certificate(fh.read())
    except (OSError, ValueError):
        return None
    der = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return base64.b64encode(digest.finalize()).decode()


def checkout(driver: Driver, customer: Customer, payment: Payment, result: CheckoutResult, timeout_s: float) -> None:
    spec: PageSpec = driver.target.page
    values = driver.values(customer, payment)
    url = driver.base_url + render(driver.target.checkout.path, values, file=driver.target.path,
                                   where="checkout.path")
    tab = take_tab(driver.run_values)
    done = False
    try:
        tab.route(driver.routes)
        _drive(driver, spec, tab, url, values, customer, payment, result, timeout_s)
        if result.status != "paid" or result.expected != "paid":
            _keep_screenshot(driver, tab, result)
        done = True
    finally:
        if done:
            give_back(tab, [driver.base_url, str(driver.run_values.get("gateway_url") or ""),
                            *driver.routes, *driver.routes.values()])
        else:
            tab.close()
    if result.status == "paid":   # its webhook is on the way: the order should follow
        driver.wait_for_order(customer, result.merchant_order_id)


def _drive(driver: Driver, spec: PageSpec, tab: cdp.Tab, url: str, values: dict, customer: Customer,
           payment: Payment, result: CheckoutResult, timeout_s: float) -> None:
    state_js = _STATE_JS % _js({"message": list(spec.message), "spinner": spec.spinner, "submit": spec.submit,
                                "number": spec.card["number"]})
    result.started_at = time.time()
    t0 = time.perf_counter()
    deadline = time.monotonic() + timeout_s
    error = tab.navigate(url, timeout_s)
    if error:
        result.error, result.elapsed_s = "connection", time.perf_counter() - t0
        result.message = None
        return
    # 2. the card fields, or a message instead (pay_on hosted: the shop's button; the card comes later)
    hosted = spec.pay_on == "hosted"
    state = _poll(tab, state_js, deadline,
                  lambda s: (s["submit"] if hosted else s["form"]) or (s["msg"] and not s["spin"]))
    result.http_status = state.get("status") if state else None
    if not state or not (state["submit"] if hosted else state["form"]):
        if state and state["msg"]:
            _answer(spec, result, state, time.perf_counter() - t0, "shown_instead_of_form")
        else:
            result.elapsed_s, result.error = time.perf_counter() - t0, "no_form"
            _body(result, state)
        return
    _check_selectors(driver, spec, tab)
    # 3. type and click
    pairs = [[selector, str(render(template, values, file=driver.target.path, where="checkout.page.fill"))]
             for selector, template in spec.fill.items()]
    card = {"number": payment.number, "expiry": f"{payment.exp_month:02d} / {payment.exp_year % 100:02d}",
            "cvc": payment.cvc, "postal": POSTAL}
    card_pairs = [[selector, card[name]] for name, selector in spec.card.items()]
    if hosted:
        # the shop's page: its own fields, then its button, which sends the browser to the hosted page
        tab.evaluate(_FILL_ALL_JS % _js(pairs))
        clicked = time.perf_counter()
        result.started_at = time.time()
        tab.evaluate(_CLICK_JS % _js(spec.submit))
        if not _watch(spec, tab, state_js, customer, result, clicked, time.monotonic() + timeout_s, url,
                      stop_at_form=True):
            return   # the shop answered instead of sending the customer to pay (an outage at checkout)
        url = tab.evaluate("location.href")
        submit = HOSTED_PAY
        state_js = _STATE_JS % _js({"message": list(spec.message), "spinner": spec.spinner, "submit": submit,
                                    "number": spec.card["number"]})
        pairs = [[HOSTED_EMAIL, str(values.get("customer.email") or "")]] + card_pairs
    else:
        submit = spec.submit
        pairs += card_pairs
    tab.evaluate(_FILL_ALL_JS % _js(pairs))
    before = tab.evaluate(state_js, timeout_s=10.0) or {}
    clicked = time.perf_counter()
    result.started_at = time.time()   # the customer's wait starts with the click (elapsed_s counts from here)
    tab.evaluate(_CLICK_JS % _js(submit))
    # the customer's patience (the scenario's customers.timeout_s) runs from the click
    _watch(spec, tab, state_js, customer, result, clicked, time.monotonic() + timeout_s, url,
           shown_before=str(before.get("msg") or ""))
    # card numbers the page printed before the customer typed (a demo page's list of test cards) are
    # the shop's own text, not a leak of this customer's card: only numbers that appeared since count
    result.pan_leaks = max(0, result.pan_leaks - count_pans(str(before.get("text") or "")))


def _new_words(msg: str, shown_before: str) -> str:
    """What the page shows that it did not show before the click: a message log that only grows
    ("Client secret returned." then "Your card was declined.") answers with what it added."""
    if not shown_before or not msg.startswith(shown_before):
        return msg
    return msg[len(shown_before):].strip()


def _watch(spec: PageSpec, tab: cdp.Tab, state_js: str, customer: Customer, result: CheckoutResult,
           clicked: float, deadline: float, page_url: str, shown_before: str = "",
           stop_at_form: bool = False) -> bool:
    """4. Watch the page until it answers, the customer leaves the challenge, or time runs out. Words
    the checkout page already showed before the click are not its answer (only what it adds is).
    stop_at_form: True as soon as another page with card fields is up (the hosted page), before any answer."""
    seen, seen_since, quiet_since, answered_3ds = "", 0.0, None, False
    state: dict | None = None
    while time.monotonic() < deadline:
        time.sleep(POLL_S)
        try:
            state = tab.evaluate(state_js, timeout_s=10.0)
        except cdp.BrowserError:
            state = None   # between two documents
        now = time.perf_counter()
        if tab.dialogs:
            _answer(spec, result, {"msg": tab.dialogs[-1], "text": tab.dialogs[-1]}, now - clicked, "alert")
            return False
        if not state or state.get("ready") != "complete":
            seen, quiet_since = "", None
            continue
        if stop_at_form and state["form"] and state["url"] != page_url:
            return True
        if state["challenge"] and not answered_3ds:
            if customer.action is Action.THREE_DS_ABANDON:
                result.status, result.raw_status, result.message = "pending", "three_ds_abandoned", None
                result.elapsed_s = now - clicked
                _body(result, state)
                return False
            choice = "fail" if customer.action is Action.THREE_DS_FAIL else "pass"
            # the stand-in's dialog, or the gateway's own 3-D Secure page (a redirect-based challenge)
            tab.evaluate(_CLICK_JS % _js(f'[data-paychaos-3ds="{choice}"], button[name=result][value="{choice}"]'))
            answered_3ds = True
            continue
        busy = state["spin"] or state["inflight"] or state["challenge"]
        left_page = state["url"] != page_url
        msg = state["msg"] or (state["text"].strip()[:500] if left_page and not state["stripe"] else "")
        if not left_page:
            msg = _new_words(msg, shown_before)
        if msg and not busy:
            if msg != seen:
                seen, seen_since = msg, now
            elif now - seen_since >= STEADY_S:
                _answer(spec, result, {**state, "msg": msg}, seen_since - clicked, "shown")
                return False
            continue
        seen = ""
        settled = not busy and (state["last"] is not None or left_page)
        if not settled:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= SETTLE_S:
            ok = left_page or (state["last"] or {}).get("ok")
            result.status, result.raw_status, result.message = ("pending" if ok else "failed"), "nothing_shown", ""
            _offers(result, state)
            result.elapsed_s = quiet_since - clicked
            _body(result, state)
            return False
    # the customer's patience ran out: no answer at all (a page that never leaves its spinner)
    result.status, result.error, result.http_status = None, "no_answer_on_page", None
    result.elapsed_s = time.perf_counter() - clicked
    result.message = None
    _body(result, state)
    return False


def _answer(spec: PageSpec, result: CheckoutResult, state: dict, elapsed_s: float, how: str) -> None:
    text = " ".join(str(state.get("msg") or "").split())
    result.status = spec.classify(text)
    _offers(result, state)
    result.raw_status = how
    result.pan_leaks = count_pans(text)
    result.message = mask_text(text)[:BODY_LIMIT]
    result.elapsed_s = elapsed_s
    _body(result, state)


def _offers(result: CheckoutResult, state: dict) -> None:
    """A failed customer who still has the card form in front of them can pay with another card."""
    if result.status == "failed" and state.get("formShown") and not state.get("submitDisabled"):
        result.alternatives = ["card"]


def _body(result: CheckoutResult, state: dict | None) -> None:
    """The page's visible text is the answer's body (masked): leaks are looked for in what was shown."""
    text = str((state or {}).get("text") or "")
    result.pan_leaks = max(result.pan_leaks, count_pans(text))
    result.body = mask_text(text)[:BODY_LIMIT]


def _check_selectors(driver: Driver, spec: PageSpec, tab: cdp.Tab) -> None:
    """On a page whose card fields came up, the target's selectors must match something."""
    checks = [["checkout.page.submit", spec.submit]]
    checks += [[f"checkout.page.fill.{sel}", sel] for sel in spec.fill]
    checks += [[f"checkout.page.card.{name}", sel] for name, sel in spec.card.items()
               if spec.pay_on == "page" and (name != "postal" or "card" in spec.given)]
    # pay_on hosted: the answer may come on the hosted page or the shop's return page, not this one
    messages = list(spec.message) if spec.pay_on == "page" else []
    missing = tab.evaluate(_MISSING_JS % _js({"checks": checks, "message": messages}))
    if missing:
        field, selector = missing[0]
        if field == "message":
            field = "checkout.page.message"
        raise InputError(f"the selector {selector!r} matches nothing on the checkout page "
                         f"({driver.base_url}{driver.target.checkout.path.split('?')[0]})",
                         file=driver.target.path or None, field=field,
                         valid="a CSS selector of an element the page has (#id, .class, [name=email], ...)")


def _keep_screenshot(driver: Driver, tab: cdp.Tab, result: CheckoutResult) -> None:
    with driver._lock:
        taken = getattr(driver, "_screenshots", 0)
        if taken >= MAX_SCREENSHOTS:
            return
        driver._screenshots = taken + 1
    shot = tab.screenshot()
    if shot:
        result.screenshot = "data:image/jpeg;base64," + base64.b64encode(shot).decode()


def _poll(tab: cdp.Tab, state_js: str, deadline: float, done) -> dict | None:
    state = None
    while time.monotonic() < deadline:
        try:
            state = tab.evaluate(state_js, timeout_s=10.0)
        except cdp.BrowserError:
            state = None
        if state and state.get("ready") == "complete" and done(state):
            return state
        time.sleep(POLL_S)
    return state
