"""Willow's checkout page and return page, over Cedar's server side (tests/shops/cedar: POST /orders
answers a PaymentIntent's client secret, webhooks fulfil, GET /orders/{id}, cancel).

- `GET /checkout?order=..&amount=..&currency=..`: the page. Its script asks the server for a client
  secret, mounts stripe.js's Payment Element, and on Pay calls `stripe.confirmPayment` with
  `return_url` = /complete. An error is shown in #payment-message in Willow's own words.
- `GET /complete?order=..&payment_intent_client_secret=..`: the return page; it asks stripe.js for the
  PaymentIntent and says what became of the payment.
- `GET /card?order=..&amount=..&currency=..`: the same shop in the older Card Element shape, all on one
  page: `elements.create('card')`, the order placed when Pay is pressed, `stripe.confirmCardPayment(secret,
  {payment_method: {card, billing_details: {name}}})`, and a card error shown from `result.error.message`.

Planted page defects (WILLOW_DEFECTS=a,b):
- `silent_failure`: on an error the page re-enables Pay and shows nothing.
- `raw_error`: the page shows stripe.js's `error.message` whatever it is, technical ones included.
- `trust_success_url`: the return page says "thanks" without asking whether the payment went through.
- `endless_spinner`: on an error the page keeps its spinner turning and never says anything.
(The card page has no return page, so `trust_success_url` does not apply to it; the other three do.)
"""

from __future__ import annotations

import html
import json
import os

from flask import Flask, Response, request

from tests.shops.browser_shop import defects
from tests.shops.cedar.app import create_app as server_side

DEFECTS = ("silent_failure", "raw_error", "trust_success_url", "endless_spinner")

_STYLE = """body{font-family:Georgia,serif;max-width:30rem;margin:2rem auto;padding:0 1rem;color:#2b2b2b}
h1{font-weight:normal}.hidden{display:none}#payment-message{margin:1rem 0;padding:.6rem;background:#fff4e5}
button{margin-top:1rem;padding:.6rem 1.4rem;font-size:1rem}#spinner{margin-left:.5rem}
label{display:block;margin:.6rem 0 .2rem}input#email{width:100%;padding:.35rem;box-sizing:border-box}"""

# Willow's words for what stripe.js answers (its own, not Stripe's)
_PAGE_JS = """
const stripe = Stripe(%(pk)s);
const order = %(order)s;
const planted = %(planted)s;
const message = document.querySelector("#payment-message");
const button = document.querySelector("#submit");
const spinner = document.querySelector("#spinner");
let elements, clientSecret;

function show(text) {
  message.textContent = text;
  message.classList.toggle("hidden", !text);
}
function busy(on) {
  button.disabled = on;
  spinner.classList.toggle("hidden", !on);
}
function words(error) {
  if (planted.includes("raw_error")) return error.message;
  if (error.code === "payment_intent_authentication_failure")
    return "Your bank could not verify this payment. Please try again, or use another payment method.";
  if (error.type === "card_error" || error.type === "validation_error")
    return error.message + " You can try again with another card or another payment method.";
  return "Payments are temporarily unavailable. Please try again in a few minutes, or use another payment method.";
}

async function start() {
  let answer;
  try {
    const resp = await fetch("/orders", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({order_id: order.id, amount: order.amount, currency: order.currency})});
    answer = await resp.json();
  } catch (e) {
    answer = {};
  }
  if (!answer.clientSecret) {
    document.querySelector("#payment-form").classList.add("hidden");
    show(answer.message || "Payments are temporarily unavailable. Please try again in a few minutes.");
    return;
  }
  clientSecret = answer.clientSecret;
  elements = stripe.elements({clientSecret});
  elements.create("payment").mount("#payment-element");
}

document.querySelector("#payment-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  busy(true);
  show("");
  const returnUrl = new URL("/complete?order=" + encodeURIComponent(order.id), location.href).toString();
  const {error} = await stripe.confirmPayment({elements, confirmParams: {return_url: returnUrl,
    receipt_email: document.querySelector("#email").value}});
  if (error && !planted.includes("raw_error") && !planted.includes("silent_failure")
      && error.type !== "card_error" && error.type !== "validation_error") {
    // no readable answer: the payment may have gone through all the same; ask before saying anything
    const {paymentIntent} = await stripe.retrievePaymentIntent(clientSecret);
    if (paymentIntent && ["succeeded", "processing", "requires_capture"].includes(paymentIntent.status)) {
      location.assign(returnUrl + "&payment_intent_client_secret=" + encodeURIComponent(clientSecret));
      return;
    }
  }
  if (error && planted.includes("endless_spinner")) return;   // Pay stays disabled, the spinner turns
  busy(false);
  if (error && !planted.includes("silent_failure")) show(words(error));
});

start();
"""

_COMPLETE_JS = """
const stripe = Stripe(%(pk)s);
const planted = %(planted)s;
const message = document.querySelector("#payment-message");
const secret = new URLSearchParams(location.search).get("payment_intent_client_secret");

function show(text) { message.textContent = text; message.classList.remove("hidden"); }

async function check() {
  if (planted.includes("trust_success_url")) {
    show("Thanks! Payment received. Your tea is on its way.");
    return;
  }
  if (!secret) { show("We could not find your payment. Please contact us."); return; }
  const {paymentIntent, error} = await stripe.retrievePaymentIntent(secret);
  if (error || !paymentIntent) {
    show("Your payment is being confirmed. We'll email you as soon as it is.");
  } else if (paymentIntent.status === "succeeded") {
    show("Thank you! Payment received. Your tea is on its way.");
  } else if (paymentIntent.status === "processing") {
    show("Your payment is being processed. We'll email you when it is confirmed.");
  } else {
    show("Your payment did not go through. Please try again, or use another payment method.");
  }
}
check();
"""


# The card page: one page, the order placed on Pay, the Card Element, and stripe.js's own words for a card
# problem (they are written for customers) followed by Willow's next step.
_CARD_JS = """
const stripe = Stripe(%(pk)s);
const order = %(order)s;
const planted = %(planted)s;
const card = stripe.elements().create("card");
card.mount("#card-element");
const form = document.querySelector("#card-form");
const note = document.querySelector("#card-message");
const pay = document.querySelector("#pay");
const spinner = document.querySelector("#spinner");
const PAID = "Thank you! Payment received. Your tea is on its way.";
const DOWN = "Payments are temporarily unavailable. Please try again in a few minutes, or use another payment method.";

function say(text) { note.textContent = text; note.classList.toggle("hidden", !text); }
function working(on) { pay.disabled = on; spinner.classList.toggle("hidden", !on); }

async function clientSecretFor() {
  try {
    const resp = await fetch("/orders", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({order_id: order.id, amount: order.amount, currency: order.currency})});
    const answer = await resp.json();
    return answer.clientSecret ? {secret: answer.clientSecret} : {message: answer.message || DOWN};
  } catch (e) {
    return {message: DOWN};
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (pay.disabled) return;
  working(true);
  say("");
  const placed = await clientSecretFor();
  if (!placed.secret) { working(false); say(placed.message); return; }
  const result = await stripe.confirmCardPayment(placed.secret, {payment_method: {card: card,
    billing_details: {name: document.querySelector("#cardholder").value}}});
  let error = result.error;
  if (error && !planted.includes("raw_error") && !planted.includes("silent_failure")
      && error.type !== "card_error" && error.type !== "validation_error") {
    // no readable answer: the card may have been charged all the same; ask before saying anything
    const looked = await stripe.retrievePaymentIntent(placed.secret);
    const status = looked.paymentIntent && looked.paymentIntent.status;
    if (status === "succeeded") error = null;
    else if (status === "processing") { working(false); say("Your payment is being processed. We'll email you when it is confirmed."); return; }
  }
  if (error && planted.includes("endless_spinner")) return;
  working(false);
  if (!error) { form.classList.add("hidden"); say(PAID); return; }
  if (planted.includes("silent_failure")) return;
  if (planted.includes("raw_error")) { say(error.message); return; }
  if (error.type === "card_error" || error.type === "validation_error") {
    say(error.message + " Please check it, or pay with another card.");
  } else {
    say(DOWN);
  }
});
"""


def _js(value) -> str:
    return json.dumps(value).replace("</", "<\\/")


def _page(title: str, body: str, script: str, stripe_js: str) -> Response:
    text = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)} - Willow Tea Co."
            f"</title><style>{_STYLE}</style><script src=\"{html.escape(stripe_js)}\"></script></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}<script>{script}</script></body></html>")
    return Response(text, mimetype="text/html", headers={"Cache-Control": "no-store"})


def create_app(env: dict | None = None) -> Flask:
    env = dict(os.environ if env is None else env)
    planted = sorted(defects("WILLOW_DEFECTS", DEFECTS, env))
    app = server_side({**env, "CEDAR_DEFECTS": ""})
    stripe_js = env.get("STRIPE_JS_URL", "https://js.stripe.com/v3")
    pk = env.get("STRIPE_PUBLISHABLE_KEY", "pk_test_willow")

    def order_page(title: str, message_id: str, form: str, page_js: str) -> Response:
        """A page that pays the order in its query (?order=&amount=&currency=): the order, the message line
        (hidden until the script fills it), the form, and the page's script."""
        try:
            order = {"id": request.args.get("order", ""), "amount": int(request.args.get("amount", "0")),
                     "currency": request.args.get("currency", "usd")}
        except ValueError:
            return Response("Bad order.", status=400)
        body = (f"<p>Order <b>{html.escape(order['id'])}</b>: {order['amount'] / 100:.2f} "
                f"{html.escape(order['currency'].upper())}</p>"
                f"<div id={message_id} class=hidden role=alert></div>{form}")
        script = page_js % {"pk": _js(pk), "order": _js(order), "planted": _js(planted)}
        return _page(title, body, script, stripe_js)

    @app.get("/checkout")
    def checkout():
        return order_page("Checkout", "payment-message",
                          "<form id=payment-form><label for=email>Email for the receipt</label><input id=email type=email>"
                          "<div id=payment-element></div><button id=submit type=submit>Pay now"
                          "<span id=spinner class=hidden>&hellip;</span></button></form>", _PAGE_JS)

    @app.get("/card")
    def card_checkout():
        return order_page("Pay by card", "card-message",
                          "<form id=card-form><label for=cardholder>Name on the card</label>"
                          "<input id=cardholder value='Wren Willow'><label>Card</label><div id=card-element></div>"
                          "<button id=pay type=submit>Pay<span id=spinner class=hidden>&hellip;</span></button></form>",
                          _CARD_JS)

    @app.get("/complete")
    def complete():
        body = "<div id=payment-message class=hidden role=alert></div><p><a href=/>Back to the shop</a></p>"
        return _page("Your order", body, _COMPLETE_JS % {"pk": _js(pk), "planted": _js(planted)}, stripe_js)

    return app
