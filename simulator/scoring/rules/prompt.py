"""prompt: what the customer was told, and when. Status right, message fits, nothing leaked, a next
step offered, an answer within the budget."""

from __future__ import annotations

from collections import defaultdict

from paychaos.observations import Dimension, Observations, Severity
from paychaos.scenario.model import Cause
from paychaos.scoring import exchanges as ex
from paychaos.scoring import facts, orders
from paychaos.scoring.evidence import capped, ms, redact
from paychaos.scoring.leaks import WHY, leaks_in
from paychaos.scoring.lexicon import active, language
from paychaos.scoring.registry import RuleSpec, rule

STATUS = RuleSpec("prompt.status_right", Dimension.PROMPT, needs=frozenset({"status"}))
MESSAGE = RuleSpec("prompt.message_fits", Dimension.PROMPT, needs=frozenset({"status"}))
LEAKS = RuleSpec("prompt.no_leaks", Dimension.PROMPT)
NEXT_STEP = RuleSpec("prompt.next_step", Dimension.PROMPT, needs=frozenset({"status"}))
BUDGET = RuleSpec("prompt.answer_budget", Dimension.PROMPT)
OUTCOME = RuleSpec("prompt.outcome", Dimension.PROMPT, needs=frozenset({"status"}))

# Lexicon categories that fit a decline code; a message naming any of them fits.
CODE_CATEGORIES: dict[str, set[str]] = {
    "insufficient_funds": {"insufficient_funds"},
    "expired_card": {"expired"}, "invalid_expiry_month": {"expired"}, "invalid_expiry_year": {"expired"},
    "incorrect_cvc": {"cvc"}, "invalid_cvc": {"cvc"},
    "incorrect_number": {"card_number"}, "invalid_number": {"card_number"},
    # a failed 3-D Secure challenge (flows client_secret, redirect, browser): the authentication failed, a
    # decline, another card, try again
    "payment_intent_authentication_failure": {"authentication", "declined", "other_method", "try_again"},
    **{code: {"account_restricted", "declined"} for code in
       ("restricted_card", "do_not_honor", "transaction_not_allowed", "pickup_card", "invalid_account")},
    **{code: {"try_again", "declined"} for code in
       ("processing_error", "try_again_later", "issuer_not_available", "reenter_transaction", "approve_with_id")},
}
# The driver's raw_status for a customer nobody could tell anything (docs/flows/): they left the 3-D Secure
# challenge, left the hosted page, or wait on their wallet with the page (the shop is not asked) showing
# the payment in progress.
LEFT_CHALLENGE = "three_ds_abandoned"
UNTOLD = frozenset({LEFT_CHALLENGE, "left_page", "awaiting_wallet"})
# CheckoutResult.sim (action pay_again_after_close): the customer left Alipay's cashier unpaid and the gateway
# says that trade is closed; "failed" was the truth then, whatever a later try of the order paid.
UNPAID_CLOSED = "trade_closed"
# What a failure the fault caused (not the card) should say, by cause.
CAUSE_CATEGORIES: dict[str, set[str]] = {
    Cause.ACCOUNT_PROBLEM: {"declined", "insufficient_funds", "account_restricted"},
    Cause.BAD_CARD_DATA: {"card_number", "expired", "cvc"},
}
OUTAGE_CATEGORIES = {"unavailable", "try_again"}
NEXT_STEPS = {"try_again", "other_method", "contact_bank", "support", "card_number", "expired", "cvc"}
# Declines to show only as a generic decline (stripe-facts.md): never accuse the customer.
CONCEALED = {"lost_card", "stolen_card", "fraudulent", "merchant_blacklist"}
CONCEALED_WORDS = ("stolen", "lost card", "fraud", "blacklist", "被盗", "挂失", "欺诈", "黑名单")


def _example(order: orders.Order, answer, **more) -> dict:
    return {"order_id": order.order_id, "told": answer.status, "message": redact(answer.message), **more}


@rule(STATUS)
def status_right(obs: Observations):
    """The customer's status matches the money: never "failed" when charged, never "paid" without a charge."""
    book = orders.build(obs)
    failed_but_charged, paid_uncharged, refunded_back, rewritten = [], [], [], []
    for order in book.orders.values():
        masked = any("decline" in ex.fault_names(r) and 200 <= (r.get("upstream_status") or 0) < 300
                     for r in order.exchanges)
        for answer in order.answers:
            charges = [c.to_dict() for c in order.captured_charges]
            if answer.status == "failed" and UNPAID_CLOSED in answer.sim:
                continue   # the customer left that trade unpaid and Alipay closed it: money is a later try's
            if answer.status == "failed" and order.net > 0:
                (rewritten if masked else failed_but_charged).append(_example(order, answer, charges=charges))
            elif answer.status == "failed" and order.captured > 0:
                refunded_back.append(_example(order, answer, charges=charges))
            elif answer.status == "paid" and order.authorised == 0 and order.held == 0 and not book.stray_charges:
                paid_uncharged.append(_example(order, answer, journal_ids=capped(order.journal_ids())))
    found = []
    if failed_but_charged:
        found.append(STATUS.finding(
            Severity.CRITICAL, f"{len(failed_but_charged)} answer(s) said the payment failed although the "
            "customer was charged: they will pay again or dispute the charge",
            order_ids=capped(sorted({e["order_id"] for e in failed_but_charged})), examples=capped(failed_but_charged, 5)))
    if paid_uncharged:
        found.append(STATUS.finding(
            Severity.CRITICAL, f"{len(paid_uncharged)} answer(s) said \"paid\" but no gateway holds the money",
            order_ids=capped(sorted({e["order_id"] for e in paid_uncharged})), examples=capped(paid_uncharged, 5)))
    if refunded_back:
        found.append(STATUS.finding(
            Severity.INFO, "the customer was told the payment failed, was charged, and was refunded: the "
            "statement shows both", order_ids=capped([e["order_id"] for e in refunded_back])))
    if rewritten:
        found.append(STATUS.finding(
            Severity.INFO, "the proxy rewrote a real charge into a decline; the merchant could not know",
            order_ids=capped([e["order_id"] for e in rewritten])))
    return found


def wanted_categories(obs: Observations, order: orders.Order, status: str | None) -> set[str]:
    """The lexicon categories a message for this answer should name (any one of them fits)."""
    if status == "pending":
        return {"pending"}
    if order.expected == "requires_action":
        # The bank asks for 3-D Secure: a merchant that cannot complete it (a server flow) says so,
        # with another way to pay or the bank to call.
        return {"pending"} if status != "failed" else {"authentication", "other_method", "contact_bank"}
    if order.expects_decline or order.expects_invalid:
        return CODE_CATEGORIES.get(order.expected_code or "", {"declined"})
    if status == "paid":
        return {"paid"}
    failure_words = set(obs.scenario.expect.prompt) - {"paid", "pending"}
    return failure_words or CAUSE_CATEGORIES.get(obs.scenario.cause, OUTAGE_CATEGORIES)


@rule(MESSAGE)
def message_fits(obs: Observations):
    """A failed or pending answer carries a human message, in the customer's language, naming the problem
    (and a paid one says so, when the scenario's expect.prompt lists "paid" and the shop's target says
    its paid answers carry a message)."""
    lexicon = active()
    book = orders.build(obs)
    problems: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for order in book.orders.values():
        for answer in order.answers:
            paid_worded = (answer.status == "paid" and "paid" in obs.scenario.expect.prompt
                           and obs.shop.paid_message)
            if answer.status not in ("failed", "pending") and not paid_worded:
                continue
            if answer.raw_status in UNTOLD:
                continue   # the customer closed the 3-D Secure page: nobody could tell them anything
            wanted = wanted_categories(obs, order, answer.status)
            text = answer.message or ""
            lang = language(answer.locale or order.locale)
            example = _example(order, answer, wanted=sorted(wanted), locale=answer.locale,
                                matched=lexicon.matches(text, lang))
            if not text.strip():
                problems[("no message", "")].append(example)
            elif not wanted & lexicon.find(text, lang):
                kind = "wrong language" if wanted & lexicon.find(text) else "does not say what went wrong"
                problems[(kind, "/".join(sorted(wanted)))].append(example)
            if order.expected_code in CONCEALED and any(w in text.casefold() for w in CONCEALED_WORDS):
                problems[("reveals a concealed decline", order.expected_code)].append(example)
    found = []
    for (kind, wanted), examples in problems.items():
        if kind == "no message":
            text = f"{len(examples)} answer(s) came without any message"
        elif kind == "wrong language":
            text = f"{len(examples)} message(s) name the problem ({wanted}) but not in the customer's language"
        elif kind == "reveals a concealed decline":
            text = (f"{len(examples)} message(s) reveal a {wanted} decline; show it only as a generic decline "
                    "so the customer is not accused and a fraudster learns nothing")
        else:
            text = f"{len(examples)} message(s) do not say what happened (expected: {wanted})"
        found.append(MESSAGE.finding(Severity.MINOR, text, order_ids=capped(sorted({e["order_id"] for e in examples})),
                                     examples=capped(examples, 5)))
    return found


@rule(LEAKS)
def no_leaks(obs: Observations):
    """Nothing internal or secret reaches the customer: stack traces, raw gateway JSON, ids, keys, cards."""
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for result in obs.checkouts:
        for kind, text in leaks_in(result.message, result.body).items():
            by_kind[kind].append({"order_id": result.order_id, "step": result.step, "excerpt": redact(text)})
        if result.pan_leaks:
            by_kind["whole card number"].append({"order_id": result.order_id, "step": result.step,
                                                 "count": result.pan_leaks})
    return [LEAKS.finding(Severity.MAJOR, f"{len(examples)} answer(s) leak a {kind}: it {WHY[kind]}",
                          leak=kind, order_ids=capped(sorted({e["order_id"] for e in examples})),
                          examples=capped(examples, 5))
            for kind, examples in by_kind.items()]


@rule(NEXT_STEP)
def next_step(obs: Observations):
    """A failed answer tells the customer what to do next: try again, another method, the bank, support."""
    lexicon = active()
    missing = []
    for order in orders.build(obs).orders.values():
        for answer in order.answers:
            if answer.status != "failed" or answer.alternatives:
                continue
            if not NEXT_STEPS & lexicon.find(answer.message):
                missing.append(_example(order, answer, wanted=sorted(NEXT_STEPS),
                                        matched=lexicon.matches(answer.message)))
    if not missing:
        return []
    return [NEXT_STEP.finding(
        Severity.MINOR, f"{len(missing)} failed answer(s) leave the customer without a next step (try again "
        "later, another payment method, contact the bank or support)",
        order_ids=capped(sorted({e["order_id"] for e in missing})), examples=capped(missing, 5))]


@rule(BUDGET)
def answer_budget(obs: Observations):
    """Every request gets an answer within expect.answer_budget_s; never a hang."""
    budget = obs.scenario.expect.answer_budget_s
    silent, slow, very_slow = [], [], []
    for result in obs.checkouts:
        item = {"order_id": result.order_id, "step": result.step, "elapsed_ms": ms(result.elapsed_s),
                "error": result.error}
        if result.status is None and result.http_status is None:
            silent.append(item)
        elif result.elapsed_s is not None and result.elapsed_s > 2 * budget:
            very_slow.append(item)
        elif result.elapsed_s is not None and result.elapsed_s > budget:
            slow.append(item)
    found = []
    if silent:
        found.append(BUDGET.finding(
            Severity.MAJOR, f"{len(silent)} request(s) got no answer at all (the driver gave up or the "
            "connection failed): the merchant must time out itself and answer", budget_s=budget,
            order_ids=capped(sorted({i["order_id"] for i in silent})), timings=capped(silent)))
    if very_slow:
        found.append(BUDGET.finding(
            Severity.MAJOR, f"{len(very_slow)} answer(s) took more than twice the {budget:g} s budget",
            budget_s=budget, order_ids=capped(sorted({i["order_id"] for i in very_slow})), timings=capped(very_slow)))
    if slow:
        found.append(BUDGET.finding(
            Severity.MINOR, f"{len(slow)} answer(s) took longer than the {budget:g} s budget", budget_s=budget,
            order_ids=capped(sorted({i["order_id"] for i in slow})), timings=capped(slow)))
    return found


# What the customer may be told when the scenario expects an outcome (expect.outcome).
ACCEPTABLE = {"paid": {"paid"}, "pending": {"pending", "paid"}, "failed": {"failed", "pending", "paid"}}


@rule(OUTCOME)
def outcome(obs: Observations):
    """Every customer gets a real answer (never a bare HTTP 5xx), and the outcome the scenario expects
    (expect.outcome): "paid" when the fault is survivable. A shop with one gateway is not expected to
    pay through an outage of it."""
    wanted = obs.scenario.expect.outcome
    if wanted == "paid" and obs.shop.gateways < 2 and facts.primary_fails(obs):
        wanted = None
    bare = [c for c in obs.checkouts if c.step.startswith("checkout") and (c.http_status or 0) >= 500
            and c.raw_status is None and not (c.message or "").strip()]
    if wanted is None and not bare:
        return None
    gave_up = []
    if wanted:
        for order in orders.build(obs).orders.values():
            answer = order.last_answer
            if (answer is None or answer.status is None or order.expects_decline or order.expects_invalid
                    or answer.status in ACCEPTABLE.get(wanted, {wanted})):
                continue
            gave_up.append(_example(order, answer, wanted=wanted))
    found = []
    if bare:
        found.append(OUTCOME.finding(
            Severity.MAJOR, f"{len(bare)} answer(s) were a bare HTTP {bare[0].http_status} with neither status "
            "nor message: the customer saw a server error, not an answer", order_ids=capped(sorted({c.order_id for c in bare})),
            examples=capped([{"order_id": c.order_id, "http_status": c.http_status, "body": redact(c.body)}
                             for c in bare], 5)))
    if gave_up:
        found.append(OUTCOME.finding(
            Severity.MAJOR, f"{len(gave_up)} customer(s) were told \"{gave_up[0]['told']}\" where the scenario "
            f"expects \"{wanted}\": the fault is one a graceful merchant gets through",
            order_ids=capped(sorted({e["order_id"] for e in gave_up})), examples=capped(gave_up, 5)))
    return found
