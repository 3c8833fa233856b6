"""pipwarden fix: choosing versions, rewriting files in place, pip's resolver as the judge, and
fixing an environment through the guarded install (index on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipwarden.advisories.osv import Affected, Range
from pipwarden.cli import main
from pipwarden.fix import (
    Upgrade,
    atomic_replace,
    choose_fix,
    conflicts,
    lock_commands,
    rewrite_pyproject,
    rewrite_requirements,
)
from pipwarden.models import PackageName
from test_install_support import (  # noqa: F401 - local_index is a fixture
    build_store,
    freeze,
    host_pip_dir,
    local_index_fixture,
    make_venv,
    make_wheel,
    vuln_record,
)


def _affected(*events: tuple[str, str]) -> Affected:
    return Affected(PackageName("pkg"), (Range("ECOSYSTEM", tuple(events)),), ())


def test_choose_fix_smallest_clearing_release() -> None:
    flaw = _affected(("introduced", "0"), ("fixed", "1.4"))
    other = _affected(("introduced", "1.4"), ("fixed", "1.5"))
    releases = ["1.0", "1.3", "1.4", "1.5", "1.6", "2.0rc1", "2.0"]
    # 1.4 clears the matched flaw but has another advisory: 1.5 is preferred.
    assert choose_fix("1.0", [flaw], [flaw, other], releases) == "1.5"
    assert choose_fix("1.0", [flaw], [flaw], releases) == "1.4"
    # Without a release list, the advisories' fixed versions are the candidates.
    assert choose_fix("1.0", [flaw], [flaw], None) == "1.4"
    # Never a downgrade; nothing above clears it -> None.
    assert choose_fix("1.6", [_affected(("introduced", "0"))], [], releases) is None
    assert (
        choose_fix("2.0rc1", [_affected(("introduced", "0"), ("fixed", "2.0"))], [], releases)
        == "2.0"
    )


def test_rewrite_requirements_keeps_comments_and_layout() -> None:
    text = (
        "# production pins\n"
        "--index-url http://index.invalid/simple\n"
        "\n"
        "Django[argon2] == 3.2.0  ; python_version >= '3.8'  # web\n"
        "requests==2.0.0\r\n"
        "hashed==1.0 \\\n"
        "    --hash=sha256:aaaa \\\n"
        "    --hash=sha256:bbbb\n"
        "    # via django\n"
        "other>=1\n"
    )
    upgrades = [
        Upgrade("django", "3.2.0", "3.2.25", ("PYSEC-1",)),
        Upgrade("requests", "2.0.0", "2.32.0", ("PYSEC-2",)),
        Upgrade("hashed", "1.0", "1.1", ("PYSEC-3",)),
    ]
    result = rewrite_requirements(text, upgrades, lambda n, v: ["1111", "2222"], "req.txt")
    assert result.text == (
        "# production pins\n"
        "--index-url http://index.invalid/simple\n"
        "\n"
        "Django[argon2] == 3.2.25  ; python_version >= '3.8'  # web\n"
        "requests==2.32.0\r\n"
        "hashed==1.1 \\\n"
        "    --hash=sha256:1111 \\\n"
        "    --hash=sha256:2222\n"
        "    # via django\n"
        "other>=1\n"
    )
    unknown = rewrite_requirements(text, upgrades[2:], None, "req.txt")
    assert unknown.text == text
    assert unknown.problems == (
        "req.txt:6: hashed is hash-pinned and the hashes of 1.1 are unknown; left unchanged",
    )


def test_atomic_replace_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "requirements.txt"
    real.write_text("beta==1.0\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real.name)
    atomic_replace(link, "beta==1.2\n")
    assert link.is_symlink()
    assert real.read_text() == "beta==1.2\n"


def test_rewrite_pyproject_in_place() -> None:
    text = (
        "[project]\n"
        'name = "demo"\n'
        "dependencies = [\n"
        '    "jinja2==2.10",  # templating\n'
        "    'urllib3[socks] ==1.26.0; python_version>\"3\"',\n"
        '    "jinja2-time>=0.2",\n'
        "]\n"
    )
    upgrades = [
        Upgrade("jinja2", "2.10", "2.11.3", ()),
        Upgrade("urllib3", "1.26.0", "1.26.19", ()),
    ]
    result = rewrite_pyproject(text, upgrades)
    assert result.text == text.replace("2.10", "2.11.3").replace("1.26.0", "1.26.19")
    assert len(result.changed) == 2


def test_rewrite_pyproject_only_on_the_declaring_line() -> None:
    text = (
        "[project]\n"
        "dependencies = [\n"
        '    "jinja2==2.10",\n'
        "]\n"
        '# was: "jinja2==2.10"\n'
        "[tool.other]\n"
        'pinned = "jinja2==2.10"\n'
    )
    with_line = rewrite_pyproject(text, [Upgrade("jinja2", "2.10", "2.11.3", (), line=3)])
    assert with_line.text == text.replace('    "jinja2==2.10"', '    "jinja2==2.11.3"')
    without_line = rewrite_pyproject(text, [Upgrade("jinja2", "2.10", "2.11.3", ())])
    assert '# was: "jinja2==2.10"' in without_line.text  # comments are never rewritten


def test_calendar_versions_are_not_major_upgrades(tmp_path: Path) -> None:
    from pipwarden.fix import plan_fixes
    from test_install_support import build_store as build

    osv = tmp_path / "osv"
    vuln_record(osv, "PYSEC-2026-3", "certifi", fixed="2023.7.22")
    vuln_record(osv, "PYSEC-2026-4", "idna", fixed="3.7")
    build(tmp_path / "home", osv)
    from pipwarden.advisories.store import Store
    from pipwarden.models import Dependency

    deps = [
        Dependency(name=PackageName("certifi"), version="2020.4.5.1", source="r.txt", line=1),
        Dependency(name=PackageName("idna"), version="2.9", source="r.txt", line=2),
    ]
    with Store.open(tmp_path / "home" / "advisories.sqlite") as store:
        plan = plan_fixes(deps, store)
        assert [(u.name, u.target) for u in plan.upgrades] == [("certifi", "2023.7.22")]
        assert [n.name for n in plan.unfixable] == ["idna"]
        assert "new major version" in plan.unfixable[0].reason
        assert [u.target for u in plan_fixes(deps, store, allow_major=True).upgrades] == [
            "2023.7.22",
            "3.7",
        ]


def test_lock_commands_name_the_tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    lock = tmp_path / "uv.lock"
    commands = lock_commands(lock, ["django", "django", "jinja2"])
    assert [c.argv for c in commands] == [
        ("uv", "lock", "--upgrade-package", "django"),
        ("uv", "lock", "--upgrade-package", "jinja2"),
    ]
    assert not commands[0].available
    assert lock_commands(tmp_path / "poetry.lock", ["x"])[0].argv == ("poetry", "update", "x")
    assert lock_commands(tmp_path / "Pipfile.lock", ["x"])[0].argv == ("pipenv", "update", "x")


def test_conflicts_with_installed_requirements() -> None:
    requires = {"app": ["beta<2", "other; extra == 'x'"], "beta": [], "lib": ["beta>=1"]}
    found = conflicts(requires, {"app": "1.0"}, [Upgrade("beta", "1.0", "2.0", ())])
    assert found == ["app 1.0 requires beta<2; beta 2.0 does not fit"]


# --- end to end ----------------------------------------------------------------------------------


@pytest.fixture
def fix_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "pwhome"
    osv = tmp_path / "osv"
    vuln_record(osv, "PYSEC-2026-7", "beta", fixed="1.2", severity="HIGH")
    vuln_record(osv, "PYSEC-2026-8", "gamma", fixed="2.0", severity="MODERATE")
    vuln_record(osv, "PYSEC-2026-9", "delta", fixed="9.9")  # no release fixes it
    build_store(home, osv)
    monkeypatch.setenv("PIPWARDEN_HOME", str(home))
    return home


def _wheels(directory: Path) -> None:
    make_wheel(directory, "beta", "1.0")
    make_wheel(directory, "beta", "1.2")
    make_wheel(directory, "beta", "1.3")
    make_wheel(directory, "gamma", "1.0")
    make_wheel(directory, "gamma", "2.0")
    make_wheel(directory, "delta", "1.0")
    make_wheel(directory, "delta", "1.5")


REQS = """\
# Pinned by hand; keep this comment.
--no-index
--find-links ./wheels

beta==1.0    # the beta library
gamma==1.0
delta==1.0  # no fix yet
"""


def test_fix_requirements_dry_run_then_write(
    tmp_path: Path,
    fix_home: Path,
    local_index: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    index_dir, url = local_index
    _wheels(index_dir)
    _wheels(tmp_path / "wheels")
    monkeypatch.setenv("PIP_INDEX_URL", url)
    req = tmp_path / "requirements.txt"
    req.write_text(REQS)
    assert main(["fix", str(req), "--dry-run"]) == 1  # delta stays vulnerable
    out = capsys.readouterr().out
    assert req.read_text() == REQS
    assert "  beta 1.0 -> 1.2  fixes PYSEC-2026-7" in out
    assert (
        "  no fix: gamma 1.0 (PYSEC-2026-8): the fix, 2.0, is a new major version (use --allow-major)"
        in out
    )
    assert "  no fix: delta 1.0 (PYSEC-2026-9): no released version fixes it" in out
    assert f"--- {req}\n+++ {req}\n" in out and "-beta==1.0    # the beta library" in out
    assert "+beta==1.2    # the beta library" in out

    assert main(["fix", str(req), "--allow-major"]) == 1
    out = capsys.readouterr().out
    assert f"updated {req}: beta 1.0 -> 1.2, gamma 1.0 -> 2.0" in out
    assert req.read_text() == REQS.replace("beta==1.0", "beta==1.2").replace(
        "gamma==1.0", "gamma==2.0"
    )


def _conflicting_wheels(
    tmp_path: Path, local_index: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """./wheels where app 1.0 needs beta<1.1, so upgrading beta to 1.2 cannot resolve."""
    index_dir, url = local_index
    _wheels(index_dir)
    make_wheel(tmp_path / "wheels", "beta", "1.0")
    make_wheel(tmp_path / "wheels", "beta", "1.2")
    make_wheel(tmp_path / "wheels", "app", "1.0", requires=("beta<1.1",))
    monkeypatch.setenv("PIP_INDEX_URL", url)


def test_fix_refuses_what_pip_cannot_resolve(
    tmp_path: Path,
    fix_home: Path,
    local_index: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _conflicting_wheels(tmp_path, local_index, monkeypatch)
    req = tmp_path / "requirements.txt"
    text = "--no-index\n--find-links ./wheels\napp==1.0\nbeta==1.0\n"
    req.write_text(text)
    assert main(["fix", str(req)]) == 1
    out = capsys.readouterr().out
    assert "refused: pip cannot resolve" in out and "nothing was changed" in out
    assert req.read_text() == text


def test_fix_refusal_changes_no_file(
    tmp_path: Path,
    fix_home: Path,
    local_index: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Two detected files, the second cannot resolve: "nothing was changed" must hold."""
    _conflicting_wheels(tmp_path, local_index, monkeypatch)
    good = tmp_path / "requirements-a.txt"
    bad = tmp_path / "requirements-b.txt"
    good.write_text("--no-index\n--find-links ./wheels\nbeta==1.0\n")
    bad.write_text("--no-index\n--find-links ./wheels\napp==1.0\nbeta==1.0\n")
    monkeypatch.chdir(tmp_path)
    assert main(["fix"]) == 1
    out = capsys.readouterr().out
    assert "refused: pip cannot resolve" in out and "nothing was changed" in out
    assert good.read_text() == "--no-index\n--find-links ./wheels\nbeta==1.0\n"
    assert bad.read_text() == "--no-index\n--find-links ./wheels\napp==1.0\nbeta==1.0\n"


def test_fix_environment_through_the_guarded_install(
    tmp_path: Path,
    fix_home: Path,
    local_index: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    index_dir, url = local_index
    _wheels(index_dir)
    monkeypatch.setenv("PIP_INDEX_URL", url)
    python = make_venv(tmp_path / "venv", host_pip_dir(tmp_path))
    assert main(["install", "--python", str(python), "--yes", "beta==1.0", "delta==1.0"]) == 0
    capsys.readouterr()
    assert main(["outdated", "--python", str(python)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("outdated: 2 of 2 packages have newer releases")
    assert table[1].split()[:5] == ["beta", "1.0", "->", "1.3", "fixes"]
    assert main(["fix", "--python", str(python), "--dry-run"]) == 1
    assert "would run: pipwarden install beta==1.2" in capsys.readouterr().out
    assert freeze(python).split() == ["beta==1.0", "delta==1.0"]
    assert main(["fix", "--python", str(python), "--yes"]) == 1  # delta has no fix
    out = capsys.readouterr().out
    assert "plan: upgrade 1 — all OK" in out
    assert "added 0, upgraded 1, removed 0 packages" in out
    assert "undo with pipwarden rollback 2" in out
    assert freeze(python).split() == ["beta==1.2", "delta==1.0"]
    assert main(["rollback", "--python", str(python)]) == 0
    assert freeze(python).split() == ["beta==1.0", "delta==1.0"]


def test_installed_requirements_ignores_start_up_output(tmp_path: Path) -> None:
    import sys

    from pipwarden.fix import installed_requirements

    script = tmp_path / "noisy-python"
    script.write_text(f'#!/bin/sh\necho "hello from start-up"\nexec {sys.executable} "$@"\n')
    script.chmod(0o755)
    requires, versions = installed_requirements(str(script))
    assert "pytest" in versions and "pytest" in requires


@pytest.mark.parametrize("command", ["fix", "outdated"])
def test_unreadable_input_is_exit_2(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], store_home: Path
) -> None:
    from pipwarden.cli import main

    bad = tmp_path / "requirements.txt"
    bad.write_bytes(b"\xff\xfe\x00not text")
    for target, problem in ((tmp_path / "missing.txt", "no such file"), (bad, "requirement")):
        assert main([command, str(target), "--offline"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {target}") and problem in err, err
