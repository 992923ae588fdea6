import pytest

from paychaos.scoring.lexicon import Lexicon


@pytest.fixture(autouse=True)
def builtin_lexicon(monkeypatch, tmp_path):
    """Judge with the built-in lexicon only, whatever pyproject or environment the tests run in."""
    monkeypatch.delenv("PAYCHAOS_LEXICON", raising=False)
    monkeypatch.chdir(tmp_path)
    return Lexicon()


def by_rule(result, name):
    return [f for f in result.findings if f.rule == name]
