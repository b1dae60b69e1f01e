"""The compiler tests run the IR verifier after every pass."""
import pytest


@pytest.fixture(autouse=True)
def _verify_every_pass(monkeypatch):
    monkeypatch.setenv("GRAPHC_VERIFY", "1")
    monkeypatch.delenv("GRAPHC_DUMP", raising=False)
    yield
