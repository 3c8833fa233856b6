"""verify: an installed environment against its RECORD files, .pth and customize hooks.

One real venv per module, wheels built by the test and installed with pip --no-index.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipwarden.cli import main
from pipwarden.models import Severity
from pipwarden.report import render
from pipwarden.settings import VerifySettings
from pipwarden.verify.record import (
    check_environment,
    environment_paths,
    first_statement,
    pth_exec_line,
)
from pipwarden.verify_app import run
from test_verify_helpers import make_venv, make_wheel, pip_install, site_packages

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Env:
    python: Path
    site: Path


@pytest.fixture(scope="module")
def tampered(tmp_path_factory: pytest.TempPathFactory) -> Env:
    root = tmp_path_factory.mktemp("verify-env")
    wheels = root / "wheels"
    wheels.mkdir()
    make_wheel(wheels, "alpha", "1.0", {
        "alpha/__init__.py": "from alpha.core import VALUE\n",
        "alpha/core.py": "VALUE = 1\n",
        "alpha/data.txt": "some data\n",
    })
    make_wheel(wheels, "beta", "2.0", {
        "beta.py": "def hook():\n    return None\n",
        "beta_hook.pth": "# beta's start-up hook\nimport beta; beta.hook()\n",
    })
    make_wheel(wheels, "clean-pkg", "0.1", {"clean_pkg/__init__.py": "X = 1\n"})
    gamma = make_wheel(wheels, "gamma", "3.0", {"gamma.py": "G = 3\n"})
    python = make_venv(root / "venv")
    pip_install(python, wheels, "alpha", "beta", "clean-pkg", str(gamma))
    site = site_packages(python)
    # the tampering: one modified, one deleted, one added file
    (site / "alpha" / "core.py").write_text("VALUE = 2  # changed\n")
    (site / "alpha" / "data.txt").unlink()
    (site / "alpha" / "extra.py").write_text("import os\n")
    return Env(python, site)


def _ids(findings: object) -> set[tuple[str, str, str | None]]:
    return {(f.id, Path(f.file).name, f.package) for f in findings}  # type: ignore[attr-defined]


def test_each_tampering_is_reported_exactly(tampered: Env) -> None:
    result = check_environment(environment_paths(str(tampered.python)))
    names = {d.name for d in result.distributions}
    assert names == {"alpha", "beta", "clean-pkg", "gamma"}
    assert _ids(result.findings) == {
        ("record-modified", "core.py", "alpha"),
        ("record-missing", "data.txt", "alpha"),
        ("record-unclaimed", "extra.py", None),
        ("pth-exec", "beta_hook.pth", "beta"),
    }
    by_id = {f.id: f for f in result.findings}
    assert by_id["record-modified"].severity is Severity.HIGH
    assert by_id["record-modified"].file == str(tampered.site / "alpha" / "core.py")
    assert by_id["record-missing"].file == str(tampered.site / "alpha" / "data.txt")
    assert by_id["record-unclaimed"].file == str(tampered.site / "alpha" / "extra.py")
    pth = by_id["pth-exec"]
    assert pth.severity is Severity.HIGH
    assert pth.line == 2
    assert "import beta; beta.hook()" in pth.summary
    assert result.files_checked > 8
    assert result.unchecked == ()


def test_url_install_is_listed_as_unverifiable(tampered: Env) -> None:
    result = check_environment(environment_paths(str(tampered.python)))
    assert [s.name for s in result.unverifiable] == ["gamma"]
    assert "installed from a URL or path" in result.unverifiable[0].reason


def test_report_summary_exit_code_and_json(
    tampered: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run(VerifySettings(python=str(tampered.python)))
    assert report.command == "verify"
    assert report.exit_code == 1
    assert report.extra["distributions"] == 4
    assert report.extra["ok"] == 1  # clean-pkg; gamma is unverifiable
    text = render(report, "table")
    first = text.splitlines()[0]
    assert first == (
        "verified 4 distributions: 1 ok, 1 modified file, 1 missing file, 1 unclaimed file, "
        "1 code-running .pth file, 1 unverifiable"
    )
    assert len(text.splitlines()) == 1 + 4 + 1  # one row per problem
    code = main(["verify", "--python", str(tampered.python), "--format", "json"])
    assert code == 1
    data = json.loads(capsys.readouterr().out)
    kinds = {(f["kind"], f["check"], Path(f["file"]).name) for f in data["findings"]}
    assert ("integrity", "record", "core.py") in kinds
    assert ("integrity", "pth", "beta_hook.pth") in kinds
    assert data["extra"]["counts"]["record-modified"] == 1


def test_fail_on_high_still_fails_and_none_passes(tampered: Env) -> None:
    assert run(VerifySettings(python=str(tampered.python), fail_on="high")).exit_code == 1
    assert run(VerifySettings(python=str(tampered.python), fail_on="none")).exit_code == 0


def test_clean_environment_passes(tmp_path: Path) -> None:
    wheels = tmp_path / "w"
    wheels.mkdir()
    make_wheel(wheels, "solo", "1.0", {"solo/__init__.py": '"""doc"""\nA = 1\n'})
    python = make_venv(tmp_path / "venv")
    pip_install(python, wheels, "solo")
    report = run(VerifySettings(python=str(python)))
    assert report.findings == ()
    assert report.exit_code == 0
    assert report.extra["ok"] == 1
    # now drop an unclaimed code-running .pth and a sitecustomize: both high
    site = site_packages(python)
    (site / "zz_persist.pth").write_text("/tmp\nimport os; os.getpid()\n")
    (site / "sitecustomize.py").write_text('"""hello"""\n\nimport sys\nsys.flags\n')
    report = run(VerifySettings(python=str(python)))
    found = {(f.id, f.severity, f.line) for f in report.findings}
    assert found == {("pth-exec", Severity.HIGH, 2), ("customize", Severity.HIGH, 3)}
    assert report.exit_code == 1


def test_missing_interpreter_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--python", "/nonexistent/python"]) == 2
    assert "interpreter not found" in capsys.readouterr().err


def test_pth_and_first_statement_parsing() -> None:
    assert pth_exec_line("# c\n/some/dir\nimport\tx\nimport y\n") == (3, "import\tx")
    assert pth_exec_line("/only/paths\n#import x\n importx\n") is None
    # Python 3.13+ decodes .pth files as utf-8-sig: an import after a BOM runs
    assert pth_exec_line("\ufeffimport os\n") == (1, "import os")
    assert first_statement('"""doc"""\n# c\n\nx = 1\n') == (4, "x = 1")
    assert first_statement("") is None
    assert first_statement("def (:\n") == (1, "def (:")


def test_virtualenv_hooks_are_low(tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    cfg = tmp_path / "venv" / "pyvenv.cfg"
    cfg.write_text(cfg.read_text() + "virtualenv = 20.26.0\n")
    site = site_packages(python)
    (site / "_virtualenv.pth").write_text("import _virtualenv")
    (site / "_virtualenv.py").write_text("X = 1\n")
    result = check_environment(environment_paths(str(python)))
    assert {(f.id, Path(f.file).name, f.severity) for f in result.findings} == {
        ("pth-exec", "_virtualenv.pth", Severity.LOW),
        ("record-unclaimed", "_virtualenv.py", Severity.LOW),
    }


def test_system_managed_directory(tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    site = site_packages(python)
    for name in ("deb_one", "deb_two"):
        meta = site / f"{name}-1.0.dist-info"
        meta.mkdir()
        (meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n\n")
        (site / name).mkdir()
        (site / name / "__init__.py").write_text("")
    (site / "stray.py").write_text("")
    result = check_environment(environment_paths(str(python)))
    assert result.findings == ()
    assert any("system package manager" in w for w in result.warnings)
    assert sorted(s.name for s in result.unverifiable) == ["deb-one", "deb-two"]
    assert all("no RECORD" in s.reason for s in result.unverifiable)
