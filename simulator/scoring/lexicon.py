"""The prompt lexicon: phrases by category and language that tell what a customer-facing message
says (docs/ARCHITECTURE.md). Built in for English and Chinese; extendable from the project's
configuration, added to the built-in phrases, never replacing them:

    [tool.paychaos.lexicon]                     # in pyproject.toml, a table ...
    other_method = {en = ["pay another way"], zh = "换一种方式"}
    [tool.paychaos]
    lexicon = "paychaos-lexicon.yaml"           # ... or a YAML file of the same shape

The environment variable PAYCHAOS_LEXICON names a YAML file too (flag > env var > pyproject).
Loading is tolerant: category names in any case, '-' or ' ' for '_'; a phrase or a list of
phrases; languages as en, en_US, zh-CN; a bare list applies to every language.
"""

from __future__ import annotations

import contextvars
import os
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from paychaos.common.errors import InputError
from paychaos.common.strict_yaml import load_yaml_file

ANY = "*"  # phrases that count in every language

BUILTIN: dict[str, dict[str, tuple[str, ...]]] = {
    "unavailable": {"en": ("temporarily unavailable", "currently unavailable", "not available right now",
                           "couldn't reach our payment", "could not reach our payment", "can't reach our payment",
                           "couldn't reach our card", "could not reach our card",
                           "unable to reach", "couldn't connect to", "could not connect to", "service unavailable",
                           "is down", "having trouble", "experiencing problems", "experiencing issues", "outage",
                           "can't take card payments", "cannot take card payments", "can't accept payments",
                           "cannot accept payments", "error occurred with our connection", "connection error",
                           "connection problem", "network error"),
                    "zh": ("暂时不可用", "暂不可用", "无法连接", "系统繁忙", "服务繁忙", "暂时无法")},
    "card_number": {"en": ("check the card number", "card number"), "zh": ("请检查卡号", "卡号")},
    "expired": {"en": ("card has expired", "expired", "expiry date", "expiration date"),
                "zh": ("卡已过期", "已过期", "有效期")},
    "cvc": {"en": ("security code", "cvc", "cvv", "card verification"), "zh": ("安全码",)},
    "insufficient_funds": {"en": ("insufficient funds", "not enough funds", "insufficient balance",
                                  "not enough money"), "zh": ("余额不足", "资金不足")},
    "account_restricted": {"en": ("restricted", "frozen", "blocked", "suspended", "not allowed",
                                  "cannot be used for this"), "zh": ("受限", "冻结", "被锁定")},
    "declined": {"en": ("declined", "was not approved", "was refused", "was rejected"),
                 "zh": ("被拒绝", "拒绝", "被拒", "未通过")},
    "try_again": {"en": ("try again", "retry", "try later", "in a few minutes", "in a moment",
                         "place the order again", "place a new order", "start again", "start over"),
                  "zh": ("稍后重试", "重试", "请稍后再试", "再试一次", "重新下单")},
    # the order (Alipay's trade, WeChat Pay's order) was closed or timed out before it was paid
    "order_closed": {"en": ("order was closed", "order has been closed", "order is closed", "order has expired",
                            "order expired", "order timed out", "payment window has closed"),
                     "zh": ("订单已关闭", "交易已关闭", "交易已经关闭", "订单已过期", "订单已失效", "订单已超时",
                            "支付超时", "超时未支付")},
    "other_method": {"en": ("another payment method", "another card", "different payment method",
                            "different card", "another way to pay", "other payment option", "alipay",
                            "wechat pay", "bank transfer"),
                     "zh": ("其他支付方式", "其他付款方式", "换一张卡", "支付宝", "微信支付", "银行转账")},
    "contact_bank": {"en": ("contact your bank", "call your bank", "your card issuer", "your bank"),
                     "zh": ("联系您的银行", "联系银行", "发卡行")},
    "support": {"en": ("contact support", "customer support", "support team", "contact us", "customer service",
                       "help center", "email us", "please email"), "zh": ("联系客服", "客服", "联系我们")},
    "authentication": {"en": ("verification", "verify", "authenticate", "authentication", "3d secure",
                              "3-d secure"), "zh": ("验证", "认证")},
    "pending": {"en": ("being confirmed", "being processed", "processing your payment", "we'll email you",
                       "we will email you", "confirming your payment"), "zh": ("正在确认", "确认中", "处理中")},
    "paid": {"en": ("payment received", "payment successful", "payment was successful", "payment succeeded",
                    "payment complete", "thank you for your order", "order is confirmed", "order confirmed",
                    # authorised now, captured when the goods ship (capture_method=manual)
                    "authorised your card", "authorized your card", "payment authorised", "payment authorized",
                    "card is authorised", "card is authorized", "card was authorised", "card was authorized"),
             "zh": ("支付成功", "付款成功", "订单已确认")},
}

_LANG_ALIASES = {"english": "en", "chinese": "zh", "any": ANY, "all": ANY, "*": ANY}
VALID_FORM = ("a mapping of category -> phrase, list of phrases, or mapping of language "
              "(en, zh, ...) -> phrase or list of phrases")


def language(locale: str | None) -> str:
    """'zh_CN' -> 'zh', 'en-US' -> 'en'."""
    return re.split(r"[-_]", (locale or "en").strip().lower(), maxsplit=1)[0] or "en"


def _category(name) -> str:
    return re.sub(r"[\s-]+", "_", str(name).strip().lower())


def _phrases(value, *, file: str | None, field: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(p, str | int | float) for p in value):
        raise InputError(f"expected a phrase or a list of phrases, got {type(value).__name__}",
                         file=file, field=field, valid=VALID_FORM)
    return [str(p).strip() for p in value if str(p).strip()]


def parse_lexicon(data, *, file: str | None, field: str = "lexicon") -> dict[str, dict[str, list[str]]]:
    """Normalise a user's lexicon mapping; InputError naming file and field when it cannot be read."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"expected a mapping, got {type(data).__name__}", file=file, field=field,
                         valid=VALID_FORM)
    out: dict[str, dict[str, list[str]]] = {}
    for name, value in data.items():
        cat = _category(name)
        where = f"{field}.{name}"
        langs = out.setdefault(cat, {})
        if isinstance(value, dict):
            for lang, phrases in value.items():
                code = _LANG_ALIASES.get(str(lang).strip().lower(), language(str(lang)))
                langs.setdefault(code, []).extend(_phrases(phrases, file=file, field=f"{where}.{lang}"))
        else:
            langs.setdefault(ANY, []).extend(_phrases(value, file=file, field=where))
    return out


class Lexicon:
    def __init__(self, phrases: dict[str, dict[str, list[str] | tuple[str, ...]]] | None = None):
        self.phrases: dict[str, dict[str, tuple[str, ...]]] = {}
        self.add(BUILTIN)
        if phrases:
            self.add(phrases)

    def add(self, phrases: dict[str, dict[str, list[str] | tuple[str, ...]]]) -> Lexicon:
        for cat, langs in phrases.items():
            mine = self.phrases.setdefault(cat, {})
            for lang, words in langs.items():
                mine[lang] = tuple(dict.fromkeys([*mine.get(lang, ()), *(w.casefold() for w in words)]))
        return self

    @property
    def categories(self) -> set[str]:
        return set(self.phrases)

    def find(self, text: str | None, lang: str | None = None) -> set[str]:
        """The categories whose phrases occur in text: in language `lang` (plus language-free
        phrases), or in any language when lang is None. A language without phrases of a category
        falls back to every language's phrases."""
        return set(self.matches(text, lang))

    def matches(self, text: str | None, lang: str | None = None) -> dict[str, str]:
        """Like `find`, with the phrase that matched for each category (for the report's evidence)."""
        folded = (text or "").casefold()
        if not folded:
            return {}
        found: dict[str, str] = {}
        for cat, langs in self.phrases.items():
            if lang is None or lang not in langs:
                pool = [p for words in langs.values() for p in words]
            else:
                pool = [*langs[lang], *langs.get(ANY, ())]
            hit = next((p for p in pool if p and p in folded), None)
            if hit is not None:
                found[cat] = hit
        return found


def _pyproject_lexicon(project_dir: Path) -> dict:
    path = project_dir / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read the configuration: {exc}", file=str(path)) from None
    value = (config.get("tool") or {}).get("paychaos", {}).get("lexicon")
    if isinstance(value, str):
        return _yaml_lexicon(project_dir / value)
    return parse_lexicon(value, file=str(path), field="tool.paychaos.lexicon")


def _yaml_lexicon(path: Path) -> dict:
    data = load_yaml_file(path)  # bounded like scenario files: no aliases, duplicate keys, NaN (InputError)
    if isinstance(data, dict) and set(data) == {"lexicon"}:
        data = data["lexicon"]
    return parse_lexicon(data, file=str(path))


def load_lexicon(project_dir: str | Path | None = None, file: str | Path | None = None) -> Lexicon:
    """The built-in lexicon extended by pyproject's [tool.paychaos] lexicon, the PAYCHAOS_LEXICON
    file and `file`, in that order."""
    lex = Lexicon()
    lex.add(_pyproject_lexicon(Path(project_dir or Path.cwd())))
    env = os.environ.get("PAYCHAOS_LEXICON")
    if env:
        lex.add(_yaml_lexicon(Path(env)))
    if file:
        lex.add(_yaml_lexicon(Path(file)))
    return lex


_ACTIVE: contextvars.ContextVar[Lexicon | None] = contextvars.ContextVar("paychaos_lexicon", default=None)
_LOADED: dict[tuple, Lexicon] = {}


def active() -> Lexicon:
    """The lexicon rules judge with: the one `score()` was given, else the current project's."""
    lex = _ACTIVE.get()
    if lex is not None:
        return lex
    cwd = Path.cwd()
    pyproject = cwd / "pyproject.toml"
    key = (str(cwd), pyproject.stat().st_mtime if pyproject.is_file() else None,
           os.environ.get("PAYCHAOS_LEXICON"))
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = load_lexicon(cwd)
    return _LOADED[key]


@contextmanager
def using_lexicon(lexicon: Lexicon | None) -> Iterator[None]:
    token = _ACTIVE.set(lexicon) if lexicon is not None else None
    try:
        yield
    finally:
        if token is not None:
            _ACTIVE.reset(token)
