"""retry: how the merchant retried the gateway. Transient failures retried, within bounds, with growing
spacing, under one idempotency key, after Retry-After; hard declines never; no storm."""

from __future__ import annotations

from collections import defaultdict
from statistics import median

from paychaos.observations import Dimension, Observations, Severity
from paychaos.scenario.model import Action, Cause
from paychaos.scoring import exchanges as ex
from paychaos.scoring import facts, orders
from paychaos.scoring.evidence import capped, ms
from paychaos.scoring.registry import RuleSpec, rule

TRANSIENT = RuleSpec("retry.transient_retried", Dimension.RETRY, needs=frozenset({"status"}))
BOUNDED = RuleSpec("retry.bounded", Dimension.RETRY, needs=frozenset({"status"}))
BACKOFF = RuleSpec("retry.backoff", Dimension.RETRY)
KEY = RuleSpec("retry.idempotency_key", Dimension.RETRY)
RETRY_AFTER = RuleSpec("retry.retry_after", Dimension.RETRY)
HARD_DECLINE = RuleSpec("retry.hard_decline", Dimension.RETRY)
STORM = RuleSpec("retry.no_storm", Dimension.RETRY)

MIN_GAP_S = 0.05          # a retry sooner than this after the failure is immediate: no backoff at all
SHRINK_TOLERANCE = 0.9    # with jitter in [0.5, 1] two gaps may come out equal, never much smaller
GROWTH_OVER_3 = 1.5       # over three or more gaps exponential backoff at least doubles, even with jitter
RETRY_AFTER_SLACK_S = 0.05


@rule(TRANSIENT)
def transient_retried(obs: Observations):
    """A transient failure (5xx, 409, 429, no answer, unreadable answer) is retried or looked up before the customer is told "failed"."""
    if not facts.has_transient_faults(obs):
        return None
    given_up = []
    for order in orders.build(obs).orders.values():
        attempts = order.charge_attempts
        if not attempts or order.told != "failed" or not ex.needs_follow_up(attempts[0]):
            continue
        first = attempts[0]
        if not any(ex.started(r) > ex.started(first) for r in order.exchanges):
            given_up.append({"order_id": order.order_id, "journal_id": first.get("id"),
                             "status": first.get("status"), "error": first.get("error")})
    if not given_up:
        return []
    return [TRANSIENT.finding(
        Severity.MINOR, f"{len(given_up)} order(s) were failed after a single transient error, without a "
        "retry, a lookup or the backup gateway", order_ids=capped([g["order_id"] for g in given_up]),
        exchanges=capped(given_up, 10))]


@rule(BOUNDED)
def bounded(obs: Observations):
    """Retrying ends with the answer: no new charge attempt after the customer was told "paid" or "failed"."""
    if not facts.retry_matters(obs):
        return None
    late = []
    for order in orders.build(obs).orders.values():
        answered = order.answered_at
        if answered is None or order.told not in ("paid", "failed"):
            continue
        after = [r for r in order.charge_attempts if ex.started(r) > answered]
        if after:
            late.append({"order_id": order.order_id, "told": order.told, "journal_ids": order.journal_ids(after),
                         "ms_after_answer": ms(ex.started(after[0]) - answered)})
    if not late:
        return []
    return [BOUNDED.finding(
        Severity.MAJOR, f"{len(late)} order(s) kept trying to charge after the customer had the answer: a "
        "late success charges a customer who was told otherwise", order_ids=capped([x["order_id"] for x in late]),
        examples=capped(late, 5))]


def _retry_gaps(attempts: list[dict]) -> list[float]:
    """Seconds from the end of each failed attempt to the start of the next, skipping the waits a
    Retry-After dictated (judged by retry.retry_after)."""
    gaps = []
    for prev, nxt in zip(attempts, attempts[1:], strict=False):
        if ex.needs_follow_up(prev) and ex.retry_after_s(prev) is None:
            gaps.append(max(0.0, ex.started(nxt) - ex.ended(prev)))
    return gaps


def _by_upstream(records: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for rec in records:
        groups[rec.get("upstream") or "primary"].append(rec)
    return groups


@rule(BACKOFF)
def backoff(obs: Observations):
    """Retries are spaced, and the spacing grows (exponential backoff, jitter tolerated)."""
    if not facts.has_transient_faults(obs):
        return None
    immediate, flat = [], []
    for order in orders.build(obs).orders.values():
        for upstream, attempts in _by_upstream(order.charge_attempts).items():
            gaps = _retry_gaps(attempts)
            if not gaps:
                continue
            item = {"order_id": order.order_id, "upstream": upstream, "gaps_ms": [ms(g) for g in gaps],
                    "journal_ids": order.journal_ids(attempts)}
            if median(gaps) < MIN_GAP_S:
                immediate.append(item)
            elif (len(gaps) >= 2 and gaps[-1] < SHRINK_TOLERANCE * gaps[0]) or (
                    len(gaps) >= 3 and gaps[-1] < GROWTH_OVER_3 * gaps[0]):
                flat.append(item)
    found = []
    if immediate:
        found.append(BACKOFF.finding(
            Severity.MINOR, f"{len(immediate)} order(s) were retried immediately (under {ms(MIN_GAP_S)} ms "
            "after the failure): a struggling gateway gets hit again at once",
            order_ids=capped([i["order_id"] for i in immediate]), examples=capped(immediate, 5)))
    if flat:
        found.append(BACKOFF.finding(
            Severity.MINOR, f"{len(flat)} order(s) were retried at a fixed or shrinking interval instead of a "
            "growing one (exponential backoff)", order_ids=capped([i["order_id"] for i in flat]),
            examples=capped(flat, 5)))
    return found


@rule(KEY)
def idempotency_key(obs: Observations):
    """Every payment POST carries an Idempotency-Key, and one order keeps one key across its retries."""
    if not (facts.has_transient_faults(obs) or facts.has_action(obs, Action.DOUBLE_SUBMIT)
            or obs.scenario.cause == Cause.AMBIGUOUS_OUTCOME):
        return None
    keyless_retries, new_keys, keyless = [], [], []
    for order in orders.build(obs).orders.values():
        attempts = order.charge_attempts
        posts = [r for r in order.exchanges if r.get("method") == "POST" and not ex.is_lookup(r)]
        no_key = [r for r in posts if not r.get("idempotency_key")]
        if len(attempts) > 1 and any(not r.get("idempotency_key") for r in attempts):
            keyless_retries.append({"order_id": order.order_id, "attempts": len(attempts),
                                    "journal_ids": capped(order.journal_ids(attempts))})
        elif no_key:
            keyless.append({"order_id": order.order_id, "journal_ids": capped(order.journal_ids(no_key))})
        groups: dict[tuple, set[str]] = defaultdict(set)
        for rec in attempts:
            if rec.get("idempotency_key"):
                group = (rec.get("upstream") or "primary", ex.endpoint(rec), ex.request(rec).get("payment_method"))
                groups[group].add(rec["idempotency_key"])
        for (upstream, endpoint, _), keys in groups.items():
            if len(keys) > 1:
                new_keys.append({"order_id": order.order_id, "upstream": upstream, "endpoint": endpoint,
                                 "keys": len(keys)})
    found = []
    if keyless_retries:
        found.append(KEY.finding(
            Severity.MAJOR, f"{len(keyless_retries)} order(s) sent a payment more than once without an "
            "Idempotency-Key: when an answer is lost, the retry charges again",
            order_ids=capped([x["order_id"] for x in keyless_retries]), examples=capped(keyless_retries, 5)))
    if new_keys:
        found.append(KEY.finding(
            Severity.MAJOR, f"{len(new_keys)} order(s) used a new Idempotency-Key for a retry of the same "
            "payment, which defeats it", order_ids=capped(sorted({x["order_id"] for x in new_keys})),
            examples=capped(new_keys, 5)))
    if keyless:
        found.append(KEY.finding(
            Severity.MINOR, f"{len(keyless)} order(s) made payment POSTs without an Idempotency-Key",
            order_ids=capped([x["order_id"] for x in keyless]), examples=capped(keyless, 5)))
    return found


@rule(RETRY_AFTER)
def retry_after(obs: Observations):
    """After an answer with Retry-After, the next attempt of that operation on that gateway for the order
    waits at least that long (a lookup of the payment's real state is another operation, not a retry)."""
    asked = [r for r in obs.journal if ex.retry_after_s(r) is not None and ex.to_gateway(r)]
    if not asked and not any(f.fault == "rate_limit" or "retry_after_s" in f.params
                             for f in facts.gateway_faults(obs)):
        return None
    early = []
    for order in orders.build(obs).orders.values():
        for upstream, records in _by_upstream(order.exchanges).items():
            for i, prev in enumerate(records):
                wait = ex.retry_after_s(prev)
                if wait is None or prev.get("status") not in (429, 503):
                    continue
                nxt = next((r for r in records[i + 1:] if operation(r) == operation(prev)), None)
                if nxt is None:
                    continue
                waited = ex.started(nxt) - ex.ended(prev)
                if waited < wait - max(RETRY_AFTER_SLACK_S, 0.05 * wait):
                    early.append({"order_id": order.order_id, "upstream": upstream, "retry_after_s": wait,
                                  "waited_ms": ms(waited), "journal_ids": [prev.get("id"), nxt.get("id")]})
    if not early:
        return []
    return [RETRY_AFTER.finding(
        Severity.MAJOR, f"{len(early)} call(s) came back before the Retry-After the gateway asked for: a "
        "rate-limited gateway keeps refusing and may block the account",
        order_ids=capped(sorted({e["order_id"] for e in early})), examples=capped(early, 5))]


@rule(HARD_DECLINE)
def hard_decline(obs: Observations):
    """A hard decline (anything but the "try again" codes) is never reattempted with the same card."""
    if not facts.expects_card_errors(obs):
        return None
    retried = []
    for order in orders.build(obs).orders.values():
        attempts = order.charge_attempts
        for i, declined in enumerate(attempts):
            if not ex.is_hard_decline(declined):
                continue
            method = ex.request(declined).get("payment_method")
            again = [r for r in attempts[i + 1:]
                     if (ex.request(r).get("payment_method") in (None, method) or method is None)
                     and (not r.get("idempotency_key") or r.get("idempotency_key") != declined.get("idempotency_key"))]
            if again:
                retried.append({"order_id": order.order_id, "decline_code": ex.decline_code(declined),
                                "reattempts": len(again), "journal_ids": order.journal_ids([declined, *again])})
                break
    if not retried:
        return []
    codes = sorted({r["decline_code"] or "card_declined" for r in retried})
    return [HARD_DECLINE.finding(
        Severity.MAJOR, f"{len(retried)} order(s) reattempted a hard decline ({', '.join(codes)}): card "
        "networks fine excessive retries, and Visa forbids any reattempt after an 'issuer will never "
        "approve' decline", order_ids=capped([r["order_id"] for r in retried]), examples=capped(retried, 5))]


def operation(rec: dict) -> tuple[str, str]:
    """What a call does, so that its repeats count as attempts: upstream, method and path with ids folded
    (creating a Customer, listing its payment methods and creating a PaymentIntent are three operations).
    Alipay's methods share one path, so its API method (alipay.trade.pay, .query) is part of the operation."""
    api_method = ex.request(rec).get("api_method")
    endpoint = ex.endpoint(rec)
    return (rec.get("upstream") or "primary", f"{endpoint} {api_method}" if api_method else endpoint)


@rule(STORM)
def no_storm(obs: Observations):
    """Attempts of one operation per checkout stay within expect.max_gateway_calls_per_checkout (distinct
    calls of a normal checkout are not a storm)."""
    if not facts.retry_matters(obs):
        return None
    limit = obs.scenario.expect.max_gateway_calls_per_checkout
    heavy = []
    for order in orders.build(obs).orders.values():
        checkouts = max(1, len(order.answers))
        per_op: dict[tuple[str, str], int] = defaultdict(int)
        for rec in order.exchanges:
            per_op[operation(rec)] += 1
        if not per_op:
            continue
        (upstream, endpoint), attempts = max(per_op.items(), key=lambda kv: kv[1])
        if attempts / checkouts > limit:
            heavy.append({"order_id": order.order_id, "operation": f"{endpoint} ({upstream})",
                          "attempts": attempts, "checkouts": checkouts, "calls": len(order.exchanges)})
    if not heavy:
        return []
    return [STORM.finding(
        Severity.MAJOR, f"{len(heavy)} checkout(s) repeated one gateway operation more than {limit} times: a "
        "retry storm deepens the outage it reacts to", limit=limit,
        order_ids=capped([h["order_id"] for h in heavy]), examples=capped(heavy, 5))]


OWN_TIMEOUT = RuleSpec("retry.own_timeout", Dimension.RETRY)
SHOULD_RETRY = RuleSpec("retry.should_retry", Dimension.RETRY)
SLOW_FAULTS = frozenset({"hang", "latency", "slow_body"})


@rule(OWN_TIMEOUT)
def own_timeout(obs: Observations):
    """The merchant times out its own gateway calls, well inside the customer's answer budget."""
    if not (any(f.fault in SLOW_FAULTS for f in facts.gateway_faults(obs)) or obs.scenario.cause == Cause.TIMEOUT):
        return None
    budget = obs.scenario.expect.answer_budget_s
    waited = []
    for order in orders.build(obs).orders.values():
        long = [r for r in order.exchanges if ex.ended(r) - ex.started(r) > budget]
        silent = [a for a in order.requests if a.status is None and a.http_status is None]
        if long or silent:
            waited.append({"order_id": order.order_id, "customer_got_no_answer": bool(silent),
                           "exchanges_ms": {r.get("id"): ms(ex.ended(r) - ex.started(r)) for r in long}})
    if not waited:
        return []
    return [OWN_TIMEOUT.finding(
        Severity.MAJOR, f"{len(waited)} order(s) waited on a slow gateway past the customer's {budget:g} s "
        "budget: the merchant sets no timeout of its own (or a longer one)", budget_s=budget,
        order_ids=capped([w["order_id"] for w in waited]), examples=capped(waited, 5))]


@rule(SHOULD_RETRY)
def should_retry(obs: Observations):
    """A failed call answered with `Stripe-Should-Retry: false` is not sent again."""
    if not any(str(ex.response(r).get("should_retry")).lower() == "false" for r in obs.journal):
        return None
    ignored = []
    for order in orders.build(obs).orders.values():
        attempts = order.charge_attempts
        for i, rec in enumerate(attempts):
            status = rec.get("status")
            if str(ex.response(rec).get("should_retry")).lower() != "false" or (status and int(status) < 400):
                continue
            again = [r for r in attempts[i + 1:] if r.get("upstream") == rec.get("upstream")
                     and ex.endpoint(r) == ex.endpoint(rec)]
            if again:
                ignored.append({"order_id": order.order_id, "journal_ids": order.journal_ids([rec, *again])})
                break
    if not ignored:
        return []
    return [SHOULD_RETRY.finding(
        Severity.MINOR, f"{len(ignored)} order(s) retried a call the gateway marked Stripe-Should-Retry: false",
        order_ids=capped([x["order_id"] for x in ignored]), examples=capped(ignored, 5))]
