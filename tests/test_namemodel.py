"""Names built like known malware: the n-gram model, learned at ``db update`` from the store's
malicious records, and its signal in ``vet``. The malicious names are generated here the way a
campaign generates them (a prefix and short words glued together); the legitimate ones are the
real popular list from the shared data."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from conftest import data_file
from pipwarden.advisories.importer import update
from pipwarden.advisories.store import Store
from pipwarden.checks import namemodel as nm
from pipwarden.cli import main
from pipwarden.names import canonicalize_name
from test_install_support import mal_record

WORDS = [
    "pong",
    "proof",
    "kill",
    "osint",
    "intel",
    "cpu",
    "vm",
    "grand",
    "candy",
    "hacked",
    "mask",
    "visa",
    "paypal",
    "ultra",
]


def campaign(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < count:
        prefix = rng.choice(["esq", "tp", "self"])
        names.add(prefix + "".join(rng.sample(WORDS, rng.randint(2, 3))))
    return sorted(names)


@pytest.fixture(scope="module")
def popular() -> list[str]:
    top = json.loads(data_file("top-pypi-packages.json").read_text(encoding="utf-8"))
    return [str(canonicalize_name(row["project"])) for row in top["rows"]]


def test_grams() -> None:
    assert nm.grams("Ab_c") == {"^ab", "ab-", "b-c", "-c$", "^ab-", "ab-c", "b-c$"}


def test_model_flags_new_names_of_a_known_campaign_and_few_real_ones(
    popular: list[str],
) -> None:
    known = campaign(300, seed=1)
    weights = nm.train(known, popular)
    assert weights is not None and weights.malicious == 300
    model = nm.NameModel(
        lambda keys: {k: weights.weights[k] for k in keys if k in weights.weights},
        weights.unseen,
        weights.threshold,
    )
    fresh = [n for n in campaign(400, seed=2) if n not in set(known)][:60]
    assert sum(model.suspicious(fresh)) >= 0.9 * len(fresh)
    real = ["requests", "django-silk", "flask-login", "numpy", "attrs", "pytest-cov", "boto3"]
    assert not any(model.suspicious(real))
    assert sum(model.suspicious(popular)) <= 0.005 * len(popular)  # trained on them: fewer
    telling = model.telling("esqpongvisa")
    assert telling and all(len(t) >= 3 for t in telling)


def test_too_few_malicious_names_learn_nothing(popular: list[str]) -> None:
    assert nm.train(campaign(nm.MIN_MALICIOUS - 1, seed=3), popular) is None
    # names that are popular themselves are not learned as malware names
    assert nm.train([*campaign(150, seed=3), *popular[:100]], popular) is None


def test_vet_says_a_name_is_built_like_known_malware(
    tmp_path: Path,
    popular: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    osv = tmp_path / "osv"
    known = campaign(250, seed=4)
    for i, name in enumerate(known):
        mal_record(osv, f"MAL-2026-{i}", name)
    home = tmp_path / "home"
    home.mkdir()
    update(
        home / "advisories.sqlite",
        osv=str(osv),
        popular=str(data_file("top-pypi-packages.json")),
    )
    with Store.open(home / "advisories.sqlite") as store:
        assert store.name_model() is not None
        assert int(store.meta["name_model_malicious"]) == 250
    fresh = next(n for n in campaign(400, seed=5) if n not in set(known))
    monkeypatch.setenv("PIPWARDEN_HOME", str(home))
    assert main(["db", "status"]) == 0
    assert "names like known malware (from 250 malicious names)" in capsys.readouterr().out
    code = main(["vet", "--offline", "--format", "json", fresh, "requests"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1  # the signal is a low finding: fails at the default --fail-on low
    (finding,) = report["findings"]
    assert finding["kind"] == "reputation" and finding["package"] == fresh
    assert finding["signal"] == nm.SIGNAL and finding["verdict"] == "REVIEW"
    assert "named like known malicious packages (" in finding["summary"]
    code = main(["vet", "--offline", fresh])
    out = capsys.readouterr().out
    assert "REVIEW" in out and "named like known malicious packages" in out
    # a store without malicious records has no model: nothing changes
    plain, few = tmp_path / "plain", tmp_path / "few"
    plain.mkdir()
    mal_record(few, "MAL-2026-0", known[0])
    update(
        plain / "advisories.sqlite", osv=str(few), popular=str(data_file("top-pypi-packages.json"))
    )
    with Store.open(plain / "advisories.sqlite") as store:
        assert store.name_model() is None


def test_install_reviews_a_typed_name_built_like_known_malware(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from test_install_support import freeze, host_pip_dir, make_venv, make_wheel

    osv = tmp_path / "osv"
    known = campaign(250, seed=6)
    for i, name in enumerate(known):
        mal_record(osv, f"MAL-2026-{i}", name)
    home = tmp_path / "home"
    home.mkdir()
    update(home / "advisories.sqlite", osv=str(osv), popular=str(data_file("top-pypi-packages.json")))
    fresh = next(n for n in campaign(400, seed=7) if n not in set(known))
    wheels = tmp_path / "wheels"
    make_wheel(wheels, fresh, "1.0")
    python = make_venv(tmp_path / "venv", host_pip_dir(tmp_path))
    monkeypatch.setenv("PIPWARDEN_HOME", str(home))
    argv = ["install", "--python", str(python), "--no-index", "--find-links", str(wheels), fresh]
    assert main(argv) == 1  # REVIEW without a TTY and without --yes: refused
    out = capsys.readouterr().out
    assert "REVIEW" in out and "named like known malicious packages" in out
    assert freeze(python).split() == []
