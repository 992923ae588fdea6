/* paychaos stand-in for Stripe.js (served by the paychaos gateway at /v3, /basil, /clover ... and, in
 * forward mode, by the paychaos proxy for js.stripe.com). It implements the subset shops use, with the
 * same call shapes and result shapes ({error: {type, code, decline_code, message}} or {paymentIntent}),
 * and talks to the paychaos gateway: to the origin this file came from, or to https://api.stripe.com
 * when it was loaded from js.stripe.com (the proxy answers that host from the local gateway).
 *
 * The card fields it mounts are plain inputs (no iframes) with stable attributes, so a driver can fill
 * them: data-paychaos-field="number" | "expiry" | "cvc" | "postal". A 3-D Secure challenge shows as a
 * dialog with buttons data-paychaos-3ds="pass" | "fail". window.__paychaos tells a driver how many API
 * calls are in flight and what the last stripe.js call resolved with (the page's own words are what
 * paychaos scores; this is only to know when stripe.js is done).
 *
 * Test mode only: no real card data ever leaves this machine. Written for paychaos; not Stripe's code.
 */
(function () {
  "use strict";
  if (window.Stripe && window.Stripe.__paychaos) { return; }

  var script = document.currentScript;
  var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var API = /(^|\.)js\.stripe\.com$/.test(new URL(scriptOrigin).hostname) ? "https://api.stripe.com" : scriptOrigin;
  var state = window.__paychaos = {inflight: 0, calls: 0, last: null, challenge: null, api: API};

  function encode(obj, prefix, out) {
    out = out || [];
    Object.keys(obj).forEach(function (k) {
      var v = obj[k];
      var name = prefix ? prefix + "[" + k + "]" : k;
      if (v === undefined || v === null) { return; }
      if (typeof v === "object") { encode(v, name, out); }
      else { out.push(encodeURIComponent(name) + "=" + encodeURIComponent(String(v))); }
    });
    return out.join("&");
  }

  function connectionError(detail) {
    return {type: "api_connection_error",
            message: "An error occurred with our connection to Stripe." + (detail ? " (" + detail + ")" : "")};
  }

  // One API call: {body} (the parsed object) or {error} in Stripe's shape. Never rejects.
  function api(method, path, params, key) {
    var query = encode(Object.assign({key: key}, params || {}));
    // as Stripe's stripe.js: the key in the query of a GET, in the form body of a POST (the journal keeps
    // the body's `key`, and a pk_ key marks the call as the customer's browser's, not the merchant's)
    var url = API + path + (method === "GET" ? "?" + query : "");
    var init = {method: method, credentials: "omit", cache: "no-store"};
    if (method !== "GET") {
      init.body = query;
      init.headers = {"Content-Type": "application/x-www-form-urlencoded"};
    }
    state.inflight += 1; state.calls += 1;
    return fetch(url, init).then(function (resp) {
      return resp.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (e) { body = null; }
        if (body === null || typeof body !== "object") {
          return {error: {type: "api_error",
                          message: "Invalid JSON received from the Stripe API (HTTP " + resp.status + "): " +
                                   text.slice(0, 200)}};
        }
        if (resp.status >= 400 || body.error) {
          var err = body.error && typeof body.error === "object" ? body.error :
            {type: "api_error", message: "Unexpected HTTP " + resp.status + " from the Stripe API."};
          return {error: err};
        }
        return {body: body};
      });
    }, function (e) {
      return {error: connectionError(e && e.message)};
    }).then(function (res) { state.inflight -= 1; return res; });
  }

  function done(result) { state.last = result && result.error ? {error: result.error} : {ok: true}; return result; }

  function splitSecret(secret) {
    var m = /^((pi|seti)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/.exec(String(secret || ""));
    return m ? {id: m[1], kind: m[2] === "pi" ? "payment_intent" : "setup_intent",
                path: m[2] === "pi" ? "/v1/payment_intents/" : "/v1/setup_intents/"} : null;
  }

  function integrationError(message) {
    return Promise.resolve(done({error: {type: "invalid_request_error", code: "parameter_invalid", message: message}}));
  }

  // ---- Elements -------------------------------------------------------------------------------

  var FIELDS = {
    number: {label: "Card number", placeholder: "1234 1234 1234 1234", autocomplete: "cc-number", code: "incomplete_number",
             message: "Your card number is incomplete."},
    expiry: {label: "Expiration date", placeholder: "MM / YY", autocomplete: "cc-exp", code: "incomplete_expiry",
             message: "Your card's expiration date is incomplete."},
    cvc: {label: "Security code", placeholder: "CVC", autocomplete: "cc-csc", code: "incomplete_cvc",
          message: "Your card's security code is incomplete."},
    postal: {label: "ZIP", placeholder: "12345", autocomplete: "postal-code", code: "incomplete_zip",
             message: "Your postal code is incomplete."},
    email: {label: "Email", placeholder: "you@example.com", autocomplete: "email", code: "incomplete_email",
            message: "Your email is incomplete.", optional: true}
  };
  // elements that carry no card: the Link email field (optional, as a customer may skip Link), and
  // wallets that this stand-in never offers (they mount nothing, as on a browser without a wallet)
  var TYPES = {card: ["number", "expiry", "cvc", "postal"], payment: ["number", "expiry", "cvc"],
               cardNumber: ["number"], cardExpiry: ["expiry"], cardCvc: ["cvc"], linkAuthentication: ["email"],
               expressCheckout: [], paymentRequestButton: []};

  function Element(group, type, options) {
    this._group = group; this._type = type; this._options = options || {};
    this._handlers = {}; this._node = null; this._inputs = {};
    this._hidePostal = !!(this._options.hidePostalCode);
  }
  Element.prototype.mount = function (target, mountOptions) {
    var host = typeof target === "string" ? document.querySelector(target) : target;
    var defaults = (mountOptions && mountOptions.defaultValues) || this._options.defaultValues || {};
    if (!host) { throw new Error("stripe.js (paychaos): mount() found no element for " + target); }
    var self = this;
    var box = document.createElement("div");
    box.className = "paychaos-element paychaos-element-" + this._type;
    box.setAttribute("data-paychaos-element", this._type);
    TYPES[this._type].forEach(function (name) {
      if (name === "postal" && self._hidePostal) { return; }
      var spec = FIELDS[name];
      var label = document.createElement("label");
      label.textContent = spec.label;
      label.style.cssText = "display:block;font-size:.85em;margin:.3em 0 .1em";
      var input = document.createElement("input");
      input.type = name === "email" ? "email" : "text"; input.setAttribute("data-paychaos-field", name);
      input.placeholder = spec.placeholder; input.autocomplete = spec.autocomplete;
      input.inputMode = name === "email" ? "email" : "numeric"; input.style.cssText = "width:100%;box-sizing:border-box;padding:.35em";
      input.addEventListener("input", function () { self._emit("change", self._change()); });
      input.addEventListener("focus", function () { self._emit("focus", {elementType: self._type}); });
      input.addEventListener("blur", function () { self._emit("blur", {elementType: self._type}); });
      if (name === "email" && defaults.email) { input.value = String(defaults.email); }
      label.appendChild(input); box.appendChild(label);
      self._inputs[name] = input;
    });
    host.appendChild(box);
    this._node = box;
    setTimeout(function () { self._emit("ready", {elementType: self._type}); }, 0);
  };
  Element.prototype.unmount = function () {
    if (this._node && this._node.parentNode) { this._node.parentNode.removeChild(this._node); }
    this._node = null; this._inputs = {};
  };
  Element.prototype.destroy = function () { this.unmount(); this._group._remove(this); };
  Element.prototype.on = function (name, fn) { (this._handlers[name] = this._handlers[name] || []).push(fn); return this; };
  Element.prototype.off = function (name, fn) {
    this._handlers[name] = (this._handlers[name] || []).filter(function (f) { return f !== fn; }); return this;
  };
  Element.prototype.once = function (name, fn) {
    var self = this;
    function wrapped(e) { self.off(name, wrapped); fn(e); }
    return this.on(name, wrapped);
  };
  Element.prototype.update = function (options) { Object.assign(this._options, options || {}); };
  Element.prototype.focus = function () { var f = this._first(); if (f) { f.focus(); } };
  Element.prototype.blur = function () { var f = this._first(); if (f) { f.blur(); } };
  Element.prototype.clear = function () { var ins = this._inputs; Object.keys(ins).forEach(function (k) { ins[k].value = ""; }); };
  Element.prototype._first = function () { var k = Object.keys(this._inputs)[0]; return k ? this._inputs[k] : null; };
  Element.prototype._emit = function (name, event) {
    (this._handlers[name] || []).slice().forEach(function (fn) { try { fn(event); } catch (e) { setTimeout(function () { throw e; }); } });
  };
  Element.prototype._change = function () {
    var values = this._values(), missing = this._missing(values);
    return {elementType: this._type, empty: Object.keys(this._inputs).every(function (k) { return !values[k]; }),
            complete: !missing, error: undefined, brand: brand(values.number || ""),
            value: this._type === "card" ? {postalCode: values.postal || ""} :
                   this._type === "linkAuthentication" ? {email: values.email || ""} : {type: "card"}};
  };
  Element.prototype._values = function () {
    var out = {}, ins = this._inputs;
    Object.keys(ins).forEach(function (k) { out[k] = ins[k].value.trim(); });
    return out;
  };
  Element.prototype._missing = function (values) {
    var names = Object.keys(this._inputs);
    for (var i = 0; i < names.length; i++) {
      if (!values[names[i]] && !FIELDS[names[i]].optional) { return FIELDS[names[i]]; }
    }
    return null;
  };

  function brand(number) {
    var n = number.replace(/\D/g, "");
    if (/^4/.test(n)) { return "visa"; }
    if (/^(5[1-5]|2[2-7])/.test(n)) { return "mastercard"; }
    if (/^3[47]/.test(n)) { return "amex"; }
    return n ? "unknown" : "unknown";
  }

  function Elements(stripe, options) {
    this._stripe = stripe; this._options = options || {}; this._elements = [];
  }
  Elements.prototype.create = function (type, options) {
    if (!TYPES[type]) { throw new Error("stripe.js (paychaos): elements.create('" + type + "') is not supported; " +
                                        "supported: " + Object.keys(TYPES).join(", ")); }
    var el = new Element(this, type, options);
    this._elements.push(el);
    return el;
  };
  Elements.prototype.getElement = function (type) {
    for (var i = 0; i < this._elements.length; i++) { if (this._elements[i]._type === type) { return this._elements[i]; } }
    return null;
  };
  Elements.prototype.update = function (options) { Object.assign(this._options, options || {}); };
  Elements.prototype.fetchUpdates = function () { return Promise.resolve({}); };
  Elements.prototype.submit = function () {
    var card = cardOf(this);
    return Promise.resolve(card.error ? {error: card.error} : {});
  };
  Elements.prototype._remove = function (el) { this._elements = this._elements.filter(function (e) { return e !== el; }); };

  // The card the customer typed, from the mounted fields of a group (or of one element's group).
  function cardOf(source) {
    var group = source instanceof Element ? source._group : source;
    var values = {};
    var missing = null;
    (group ? group._elements : []).forEach(function (el) {
      var v = el._values();
      Object.assign(values, v);
      missing = missing || el._missing(v);
    });
    if (!values.number && !missing) { missing = FIELDS.number; }
    if (missing) {
      return {error: {type: "validation_error", code: missing.code, message: missing.message}};
    }
    var exp = /^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(values.expiry || "");
    if (!exp) {
      return {error: {type: "validation_error", code: "invalid_expiry_year",
                      message: "Your card's expiration date is incomplete."}};
    }
    var year = exp[2].length === 2 ? 2000 + parseInt(exp[2], 10) : parseInt(exp[2], 10);
    var card = {number: values.number.replace(/[\s-]/g, ""), exp_month: parseInt(exp[1], 10), exp_year: year,
                cvc: values.cvc};
    return {card: card, postal: values.postal || ""};
  }

  function paymentMethodData(source, extra) {
    var typed = cardOf(source);
    if (typed.error) { return typed; }
    var data = {type: "card", card: typed.card};
    var billing = Object.assign({}, (extra && extra.billing_details) || {});
    if (typed.postal) { billing.address = Object.assign({}, billing.address || {}, {postal_code: typed.postal}); }
    if (Object.keys(billing).length) { data.billing_details = billing; }
    return {data: data};
  }

  // ---- 3-D Secure ------------------------------------------------------------------------------

  // The challenge URL the gateway named, reached through the origin this file came from (the proxy).
  function throughApi(url) {
    var u = new URL(url);
    return API + u.pathname + u.search;
  }

  function challenge(url) {
    return new Promise(function (resolve) {
      var veil = document.createElement("div");
      veil.setAttribute("data-paychaos-3ds-dialog", "");
      veil.setAttribute("role", "dialog");
      veil.style.cssText = "position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;" +
                           "justify-content:center;z-index:2147483647";
      var box = document.createElement("div");
      box.style.cssText = "background:#fff;padding:1.5em;border-radius:8px;max-width:24em;font-family:system-ui,sans-serif";
      box.innerHTML = "<h2 style='margin-top:0'>3D Secure test payment</h2><p>The bank asks you to confirm this " +
        "payment (paychaos test challenge).</p>";
      [["pass", "Complete authentication"], ["fail", "Fail authentication"]].forEach(function (pair) {
        var b = document.createElement("button");
        b.type = "button"; b.textContent = pair[1]; b.setAttribute("data-paychaos-3ds", pair[0]);
        b.style.cssText = "margin:.3em .5em 0 0;padding:.5em 1em";
        b.addEventListener("click", function () {
          box.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
          state.inflight += 1;
          fetch(throughApi(url), {method: "POST", mode: "no-cors", credentials: "omit",
                                  body: "result=" + pair[0],
                                  headers: {"Content-Type": "application/x-www-form-urlencoded"}})
            .then(function () { return true; }, function () { return false; })
            .then(function () { state.inflight -= 1; state.challenge = null; veil.remove(); resolve(); });
        });
        box.appendChild(b);
      });
      veil.appendChild(box);
      document.body.appendChild(veil);
      state.challenge = url;
    });
  }

  function nextActionUrl(intent) {
    var a = intent.next_action || {};
    return (a.redirect_to_url && a.redirect_to_url.url) || (a.use_stripe_sdk && a.use_stripe_sdk.stripe_js) || null;
  }

  // After a confirm: run the challenge when the intent asks for one, then read the intent again. A
  // redirect_to_url next action (the confirm named a return_url) is a full-page visit to the bank's page,
  // which sends the customer on to return_url, as Stripe's redirect-based 3-D Secure does.
  function afterConfirm(stripe, intent, secret, sec, redirects) {
    if (intent.status !== "requires_action") { return Promise.resolve(intent); }
    var url = nextActionUrl(intent);
    if (!url) { return Promise.resolve(intent); }
    if (redirects && intent.next_action.type === "redirect_to_url") {
      location.assign(throughApi(url));
      return new Promise(function () {});   // the page is leaving
    }
    return challenge(url).then(function () {
      return api("GET", sec.path + sec.id, {client_secret: secret}, stripe._key);
    }).then(function (res) { return res.error ? {error: res.error} : res.body; });
  }

  function intentResult(intent, sec) {
    var key = sec.kind === "payment_intent" ? "paymentIntent" : "setupIntent";
    var lastError = intent.last_payment_error || intent.last_setup_error;
    if (intent.status === "requires_payment_method" && lastError) {
      var error = Object.assign({}, lastError);
      error[sec.kind] = intent;
      return {error: error};
    }
    var out = {}; out[key] = intent;
    return out;
  }

  // ---- Stripe ---------------------------------------------------------------------------------

  function Stripe(key, options) {
    if (!(this instanceof Stripe)) { return new Stripe(key, options); }
    if (typeof key !== "string" || !/^pk_test_/.test(key)) {
      throw new Error("stripe.js (paychaos): Stripe() wants a pk_test_ publishable key (live keys are never used).");
    }
    this._key = key; this._options = options || {};
  }
  Stripe.__paychaos = true;

  Stripe.prototype.elements = function (options) { return new Elements(this, options); };

  Stripe.prototype._confirm = function (secret, pmSource, opts) {
    var self = this, sec = splitSecret(secret);
    if (!sec) { return integrationError("Invalid value for client_secret: it should look like pi_..._secret_..."); }
    opts = opts || {};
    var params = {client_secret: secret};
    if (opts.return_url) { params.return_url = opts.return_url; }
    if (typeof pmSource === "string") {
      params.payment_method = pmSource;
    } else if (pmSource) {
      var pmd = paymentMethodData(pmSource, opts.payment_method_data || {});
      if (pmd.error) { return Promise.resolve(done({error: pmd.error})); }
      params.payment_method_data = pmd.data;
    }
    if (sec.kind === "payment_intent" && !params.payment_method && !params.payment_method_data) {
      // no card to send: confirm with what the intent already has
    }
    return api("POST", sec.path + sec.id + "/confirm", params, self._key).then(function (res) {
      if (res.error) { return {error: res.error}; }
      return afterConfirm(self, res.body, secret, sec, !!opts.redirects).then(function (intent) {
        if (intent && intent.error) { return {error: intent.error}; }
        return intentResult(intent, sec);
      });
    }).then(done);
  };

  // After a successful confirmPayment / confirmSetup: go to return_url as Stripe does, unless
  // redirect: "if_required" (cards never require one).
  function maybeRedirect(result, options, sec, secret) {
    var returnUrl = options.confirmParams && options.confirmParams.return_url;
    if (result.error || options.redirect === "if_required" || !returnUrl) { return Promise.resolve(result); }
    var intent = result.paymentIntent || result.setupIntent;
    var u = new URL(returnUrl, location.href);
    u.searchParams.set(sec.kind, intent.id);
    u.searchParams.set(sec.kind + "_client_secret", secret);
    u.searchParams.set("redirect_status", intent.status === "succeeded" ? "succeeded" :
                       intent.status === "processing" ? "pending" : "failed");
    location.assign(u.toString());
    return new Promise(function () {});   // the page is leaving
  }

  Stripe.prototype.confirmPayment = function (options) {
    options = options || {};
    var elements = options.elements;
    var secret = options.clientSecret || (elements && elements._options.clientSecret);
    if (!secret) { return integrationError("confirmPayment: pass elements created with a clientSecret, or clientSecret."); }
    var confirmParams = options.confirmParams || {};
    if (!confirmParams.return_url && options.redirect !== "if_required") {
      return integrationError("confirmPayment: confirmParams.return_url is required (or redirect: 'if_required').");
    }
    var sec = splitSecret(secret);
    var self = this;
    var source = confirmParams.payment_method || elements;
    return this._confirm(secret, source, {return_url: confirmParams.return_url, redirects: options.redirect !== "if_required",
                                          payment_method_data: confirmParams.payment_method_data})
      .then(function (result) { return sec ? maybeRedirect(result, options, sec, secret) : result; })
      .then(function (r) { self._last = r; return r; });
  };

  Stripe.prototype.confirmSetup = function (options) {
    return this.confirmPayment(options);
  };

  Stripe.prototype.confirmCardPayment = function (secret, data, options) {
    data = data || {};
    var pm = data.payment_method;
    var source = pm && typeof pm === "object" && pm.card ? pm.card : pm;
    var extra = pm && typeof pm === "object" ? {billing_details: pm.billing_details} : {};
    if (options && options.handleActions === false) { /* the page handles next actions itself */ }
    return this._confirm(secret, source, {return_url: data.return_url, payment_method_data: extra});
  };
  Stripe.prototype.confirmCardSetup = Stripe.prototype.confirmCardPayment;

  Stripe.prototype.handleNextAction = function (options) {
    var secret = (options || {}).clientSecret, sec = splitSecret(secret), self = this;
    if (!sec) { return integrationError("handleNextAction: clientSecret is required."); }
    return api("GET", sec.path + sec.id, {client_secret: secret}, this._key).then(function (res) {
      if (res.error) { return {error: res.error}; }
      return afterConfirm(self, res.body, secret, sec).then(function (intent) {
        return intent && intent.error ? {error: intent.error} : intentResult(intent, sec);
      });
    }).then(done);
  };
  Stripe.prototype.handleCardAction = function (secret) { return this.handleNextAction({clientSecret: secret}); };

  Stripe.prototype._retrieve = function (secret) {
    var sec = splitSecret(secret);
    if (!sec) { return integrationError("Invalid value for client_secret."); }
    return api("GET", sec.path + sec.id, {client_secret: secret}, this._key).then(function (res) {
      if (res.error) { return {error: res.error}; }
      var out = {}; out[sec.kind === "payment_intent" ? "paymentIntent" : "setupIntent"] = res.body;
      return out;
    }).then(done);
  };
  Stripe.prototype.retrievePaymentIntent = function (secret) { return this._retrieve(secret); };
  Stripe.prototype.retrieveSetupIntent = function (secret) { return this._retrieve(secret); };

  Stripe.prototype.createPaymentMethod = function (a, b, c) {
    var options = typeof a === "string" ? Object.assign({type: a, card: b}, c || {}) : (a || {});
    var source = options.card || options.elements;
    var pmd = paymentMethodData(source, {billing_details: options.billing_details});
    if (pmd.error) { return Promise.resolve(done({error: pmd.error})); }
    return api("POST", "/v1/payment_methods", pmd.data, this._key).then(function (res) {
      return res.error ? {error: res.error} : {paymentMethod: res.body};
    }).then(done);
  };

  Stripe.prototype.createToken = function (element, data) {
    var typed = cardOf(element);
    if (typed.error) { return Promise.resolve(done({error: typed.error})); }
    var card = Object.assign({}, typed.card);
    if (data && data.name) { card.name = data.name; }
    if (typed.postal) { card.address_zip = typed.postal; }
    return api("POST", "/v1/tokens", {card: card}, this._key).then(function (res) {
      return res.error ? {error: res.error} : {token: res.body};
    }).then(done);
  };

  Stripe.prototype.redirectToCheckout = function (options) {
    var id = (options || {}).sessionId;
    if (!id || !/^cs_/.test(id)) { return integrationError("redirectToCheckout: sessionId (cs_...) is required."); }
    location.assign(API + "/pay/" + encodeURIComponent(id));
    return new Promise(function () {});
  };

  Stripe.prototype.paymentRequest = function () {
    return {canMakePayment: function () { return Promise.resolve(null); }, on: function () {}, show: function () {}};
  };

  window.Stripe = Stripe;
})();
