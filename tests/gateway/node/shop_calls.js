// stripe-node used as a shop uses it, against the paychaos gateway. Prints one JSON line per call:
// {"call": name, "ok": bool, "detail": ...}. Usage: node shop_calls.js http://127.0.0.1:PORT
'use strict';
const Stripe = require('stripe');

const url = new URL(process.argv[2]);
const options = {host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0};
const stripe = new Stripe('sk_test_node', options);
const browser = new Stripe('pk_test_node', options);

const results = [];
async function call(name, fn, check) {
  try {
    const value = await fn();
    const problem = check ? check(value) : null;
    results.push({call: name, ok: !problem, detail: problem || null});
    return value;
  } catch (err) {
    results.push({call: name, ok: false, detail: `${err.type || err.name}: ${err.message}`});
    return null;
  }
}
async function refused(name, fn, want) {
  try {
    await fn();
    results.push({call: name, ok: false, detail: 'expected an error'});
  } catch (err) {
    const ok = want(err);
    results.push({call: name, ok, detail: ok ? null : `${err.type}: ${err.statusCode} ${err.message}`});
  }
}
const expect = (cond, what) => (cond ? null : what);

(async () => {
  // customers
  const cus = await call('customers.create', () => stripe.customers.create({email: 'node@example.com', name: 'Node Shop',
    metadata: {tier: 'gold'}}));
  await call('customers.retrieve', () => stripe.customers.retrieve(cus.id), (c) => expect(c.email === 'node@example.com', 'email'));
  await call('customers.update', () => stripe.customers.update(cus.id, {name: 'Node Shop 2'}), (c) => expect(c.name === 'Node Shop 2', 'name'));
  await call('customers.list', () => stripe.customers.list({email: 'node@example.com'}), (l) => expect(l.data.length === 1, 'one'));
  await call('customers.search', () => stripe.customers.search({query: "email:'node@example.com'"}),
    (l) => expect(l.data.length === 1 && l.data[0].id === cus.id, 'found'));

  // payment methods
  const pm = await call('paymentMethods.create', () => stripe.paymentMethods.create({type: 'card', card: {token: 'tok_visa'}}));
  await call('paymentMethods.attach', () => stripe.paymentMethods.attach(pm.id, {customer: cus.id}),
    (p) => expect(p.customer === cus.id, 'attached'));
  await call('paymentMethods.retrieve', () => stripe.paymentMethods.retrieve(pm.id));
  await call('paymentMethods.list', () => stripe.paymentMethods.list({customer: cus.id, type: 'card'}),
    (l) => expect(l.data.length === 1, 'one'));
  await call('customers.listPaymentMethods', () => stripe.customers.listPaymentMethods(cus.id),
    (l) => expect(l.data.length === 1 && l.data[0].id === pm.id, 'listed'));

  // server-confirmed payment, capture, cancel, refund
  const pi = await call('paymentIntents.create(confirm)', () => stripe.paymentIntents.create({amount: 2000, currency: 'usd',
    payment_method: 'pm_card_visa', confirm: true, metadata: {order_id: 'node_1'}}), (p) => expect(p.status === 'succeeded', p.status));
  await call('paymentIntents.retrieve', () => stripe.paymentIntents.retrieve(pi.id));
  await call('paymentIntents.update', () => stripe.paymentIntents.update(pi.id, {metadata: {note: 'x'}}));
  await call('paymentIntents.list', () => stripe.paymentIntents.list({limit: 3}));
  await call('paymentIntents.search', () => stripe.paymentIntents.search({query: "metadata['order_id']:'node_1'"}),
    (l) => expect(l.data.length === 1, 'found'));
  const manual = await call('paymentIntents.create(manual)', () => stripe.paymentIntents.create({amount: 900, currency: 'usd',
    payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual'}), (p) => expect(p.status === 'requires_capture', p.status));
  await call('paymentIntents.capture', () => stripe.paymentIntents.capture(manual.id), (p) => expect(p.status === 'succeeded', p.status));
  const open = await call('paymentIntents.create', () => stripe.paymentIntents.create({amount: 500, currency: 'usd'}),
    (p) => expect(p.client_secret && p.client_secret.startsWith(p.id + '_secret_'), 'client_secret'));
  await call('paymentIntents.cancel', () => stripe.paymentIntents.cancel(open.id), (p) => expect(p.status === 'canceled', p.status));
  const refund = await call('refunds.create', () => stripe.refunds.create({payment_intent: pi.id, amount: 500}));
  await call('refunds.retrieve', () => stripe.refunds.retrieve(refund.id));
  await call('refunds.list', () => stripe.refunds.list({payment_intent: pi.id}), (l) => expect(l.data.length === 1, 'one'));
  await call('charges.retrieve', () => stripe.charges.retrieve(pi.latest_charge));
  await call('charges.list', () => stripe.charges.list({payment_intent: pi.id}));
  await refused('declined card', () => stripe.paymentIntents.create({amount: 700, currency: 'usd', confirm: true,
    payment_method: 'pm_card_visa_chargeDeclinedInsufficientFunds'}),
  (e) => e.type === 'StripeCardError' && e.decline_code === 'insufficient_funds');

  // client-confirmed: the browser's publishable key
  const js = await call('paymentIntents.create(for browser)', () => stripe.paymentIntents.create({amount: 1500, currency: 'usd'}));
  await call('browser paymentIntents.confirm', () => browser.paymentIntents.confirm(js.id, {client_secret: js.client_secret,
    payment_method: 'pm_card_visa', expected_payment_method_type: 'card', use_stripe_sdk: true}),
  (p) => expect(p.status === 'succeeded', p.status));
  await call('browser paymentIntents.retrieve', () => browser.paymentIntents.retrieve(js.id, {client_secret: js.client_secret}));
  await refused('browser key on a server call', () => browser.customers.list(), (e) => e.statusCode === 403);

  // 3-D Secure
  await call('paymentIntents.create(3DS)', () => stripe.paymentIntents.create({amount: 3000, currency: 'eur', confirm: true,
    payment_method: 'pm_card_authenticationRequired', return_url: 'http://127.0.0.1:9/back'}),
  (p) => expect(p.status === 'requires_action' && p.next_action.type === 'redirect_to_url', p.status));

  // SetupIntents and off-session reuse
  const si = await call('setupIntents.create', () => stripe.setupIntents.create({customer: cus.id, payment_method: 'pm_card_visa',
    confirm: true, usage: 'off_session'}), (s) => expect(s.status === 'succeeded', s.status));
  await call('setupIntents.retrieve', () => stripe.setupIntents.retrieve(si.id));
  await call('setupIntents.list', () => stripe.setupIntents.list({customer: cus.id}), (l) => expect(l.data.length === 1, 'one'));
  const si2 = await call('setupIntents.create(unconfirmed)', () => stripe.setupIntents.create({customer: cus.id}));
  await call('setupIntents.confirm', () => stripe.setupIntents.confirm(si2.id, {payment_method: 'pm_card_mastercard'}),
    (s) => expect(s.status === 'succeeded', s.status));
  const si3 = await call('setupIntents.create(to cancel)', () => stripe.setupIntents.create({customer: cus.id}));
  await call('setupIntents.cancel', () => stripe.setupIntents.cancel(si3.id), (s) => expect(s.status === 'canceled', s.status));
  await call('paymentIntents.create(off_session)', () => stripe.paymentIntents.create({amount: 1200, currency: 'usd',
    customer: cus.id, payment_method: si.payment_method, off_session: true, confirm: true}),
  (p) => expect(p.status === 'succeeded', p.status));

  // Tokens and the legacy Charges API
  const tok = await call('browser tokens.create', () => browser.tokens.create({card: {number: '4242424242424242',
    exp_month: '12', exp_year: '2034', cvc: '123'}}), (t) => expect(t.card.last4 === '4242', 'last4'));
  await call('charges.create(source=tok)', () => stripe.charges.create({amount: 800, currency: 'usd', source: tok.id}),
    (c) => expect(c.paid === true, 'paid'));

  // Catalogue and Checkout
  const product = await call('products.create', () => stripe.products.create({name: 'Node mug'}));
  await call('products.retrieve', () => stripe.products.retrieve(product.id));
  await call('products.list', () => stripe.products.list());
  const price = await call('prices.create', () => stripe.prices.create({product: product.id, unit_amount: 1100, currency: 'usd'}));
  await call('prices.retrieve', () => stripe.prices.retrieve(price.id), (p) => expect(p.unit_amount === 1100, 'amount'));
  await call('prices.list', () => stripe.prices.list({product: product.id}), (l) => expect(l.data.length === 1, 'one'));
  const cs = await call('checkout.sessions.create', () => stripe.checkout.sessions.create({mode: 'payment',
    line_items: [{price: price.id, quantity: 2}], success_url: 'http://127.0.0.1:9/ok?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://127.0.0.1:9/cart', client_reference_id: 'node_order', payment_intent_data: {metadata: {order_id: 'node_cs'}}}),
  (s) => expect(s.url && s.amount_total === 2200, 'url and total'));
  await call('checkout.sessions.retrieve', () => stripe.checkout.sessions.retrieve(cs.id), (s) => expect(s.status === 'open', s.status));
  await call('checkout.sessions.listLineItems', () => stripe.checkout.sessions.listLineItems(cs.id),
    (l) => expect(l.data.length === 1 && l.data[0].quantity === 2, 'items'));
  await call('checkout.sessions.list', () => stripe.checkout.sessions.list());
  const cs2 = await call('checkout.sessions.create(to expire)', () => stripe.checkout.sessions.create({mode: 'payment',
    line_items: [{price_data: {currency: 'usd', unit_amount: 300, product_data: {name: 'Sticker'}}, quantity: 1}],
    success_url: 'http://127.0.0.1:9/ok'}));
  await call('checkout.sessions.expire', () => stripe.checkout.sessions.expire(cs2.id), (s) => expect(s.status === 'expired', s.status));

  // Balance, events, webhook endpoints
  await call('balance.retrieve', () => stripe.balance.retrieve(), (b) => expect(b.available.length >= 1, 'available'));
  const events = await call('events.list', () => stripe.events.list({limit: 5}));
  await call('events.retrieve', () => stripe.events.retrieve(events.data[0].id));
  const hook = await call('webhookEndpoints.create', () => stripe.webhookEndpoints.create({url: 'http://127.0.0.1:9/hook',
    enabled_events: ['checkout.session.completed']}));
  await call('webhookEndpoints.del', () => stripe.webhookEndpoints.del(hook.id));
  await call('customers.del', () => stripe.customers.del(cus.id), (c) => expect(c.deleted === true, 'deleted'));

  for (const r of results) console.log(JSON.stringify(r));
  console.log(JSON.stringify({checkout_url: cs && cs.url, checkout_id: cs && cs.id}));
})();
