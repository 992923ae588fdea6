"""The prompt lexicon: built-in English and Chinese, extendable from pyproject or YAML, loaded tolerantly."""

import pytest

from paychaos.common.errors import InputError
from paychaos.scoring import score
from paychaos.scoring.lexicon import Lexicon, active, language, load_lexicon
from paychaos.scoring.testing import Run
from tests.scoring.conftest import by_rule


def test_builtin_finds_categories_per_language():
    lex = Lexicon()
    assert lex.find("Card payments are temporarily unavailable. Please try again later.", "en") == {
        "unavailable", "try_again"}
    assert {"insufficient_funds", "other_method"} <= lex.find("余额不足，请使用其他支付方式", "zh")
    assert lex.find("余额不足", "en") == set()           # Chinese phrases do not count for English
    assert "insufficient_funds" in lex.find("余额不足")  # ... but are found in any language
    assert language("zh_CN") == "zh" and language("en-US") == "en" and language(None) == "en"


def test_pyproject_table_extends_the_builtin_phrases(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.paychaos.lexicon]\n'
        'Other-Method = {en = "pay another way", zh_CN = ["换一种方式"]}\n'
        'wallet = ["PayPal"]\n', encoding="utf-8")
    lex = load_lexicon(tmp_path)
    assert "other_method" in lex.find("You can pay another way.", "en")
    assert "other_method" in lex.find("请换一种方式", "zh")
    assert "other_method" in lex.find("another payment method", "en")   # built-in kept
    assert lex.find("try PayPal", "de") == {"wallet"}                   # language-free phrases


def test_yaml_file_named_in_pyproject_and_by_env(tmp_path, monkeypatch):
    (tmp_path / "lex.yaml").write_text("lexicon:\n  unavailable:\n    en: out of order\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.paychaos]\nlexicon = "lex.yaml"\n', encoding="utf-8")
    (tmp_path / "env.yaml").write_text("support: {en: [ring us]}\n", encoding="utf-8")
    monkeypatch.setenv("PAYCHAOS_LEXICON", str(tmp_path / "env.yaml"))
    lex = load_lexicon(tmp_path)
    assert lex.find("checkout is out of order; ring us", "en") == {"unavailable", "support"}


def test_bad_lexicon_is_an_input_error_naming_file_field_and_valid_forms(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.paychaos.lexicon]\nunavailable = {en = 3}\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_lexicon(tmp_path)
    text = str(err.value)
    assert "pyproject.toml" in text and "tool.paychaos.lexicon.unavailable.en" in text and "valid:" in text
    (tmp_path / "pyproject.toml").write_text('[tool.paychaos]\nlexicon = "missing.yaml"\n', encoding="utf-8")
    with pytest.raises(InputError, match="missing.yaml"):
        load_lexicon(tmp_path)
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "bad.yaml").write_text("unavailable: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        load_lexicon(tmp_path, file=tmp_path / "bad.yaml")


def test_rules_judge_with_the_project_lexicon_or_the_one_given(tmp_path, monkeypatch):
    run = Run(cause="account_problem")
    run.exchange("ord_1", card_error="insufficient_funds")
    run.checkout("ord_1", "failed", expected="declined:insufficient_funds",
                 message="Your wallet is empty. Use another payment method.")
    obs = run.observations()
    assert by_rule(score(obs), "prompt.message_fits")
    extended = Lexicon({"insufficient_funds": {"en": ["wallet is empty"]}})
    assert by_rule(score(obs, lexicon=extended), "prompt.message_fits") == []
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.paychaos.lexicon]\ninsufficient_funds = {en = "wallet is empty"}\n', encoding="utf-8")
    assert "insufficient_funds" in active().find("wallet is empty", "en")
    assert by_rule(score(obs), "prompt.message_fits") == []


def test_common_phrasings_are_recognised_and_the_report_names_the_phrase():
    lex = Lexicon()
    assert lex.matches("Please try a different card.", "en") == {"other_method": "different card"}
    assert "unavailable" in lex.find("We couldn't reach our payment provider. Please try again in a few minutes.",
                                     "en")
    assert "try_again" in lex.find("We couldn't reach our payment provider. Please try again in a few minutes.")
    assert {"unavailable", "try_again"} <= lex.find("支付系统繁忙，请稍后再试。", "zh")
    assert "declined" in lex.find("Your payment was not approved.", "en")


def test_a_message_that_misses_says_what_was_wanted_and_what_matched():
    run = Run(cause="account_problem")
    run.exchange("ord_1", card_error="insufficient_funds")
    run.checkout("ord_1", "failed", expected="declined:insufficient_funds",
                 message="Your payment was not approved. Please try a different card.")
    [found] = by_rule(score(run.observations()), "prompt.message_fits")
    example = found.evidence["examples"][0]
    assert example["wanted"] == ["insufficient_funds"]
    assert example["matched"] == {"declined": "was not approved", "other_method": "different card"}
