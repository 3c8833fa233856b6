"""pip's index configuration, read the way pip reads it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipwarden import net


def test_config_file_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(
        "[global]\nindex-url = http://mirror.invalid/simple/\n"
        "extra-index-url = http://extra.invalid/simple/ http://other.invalid/simple/\n"
    )
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    monkeypatch.setenv("HOME", str(tmp_path))  # no user file of this machine
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "none"))
    found = net.index_config()
    assert found.index_url == "http://mirror.invalid/simple/"
    assert found.extra_index_urls == ("http://extra.invalid/simple/", "http://other.invalid/simple/")
    monkeypatch.setenv("PIP_INDEX_URL", "http://env.invalid/simple/")
    assert net.index_config().index_url == "http://env.invalid/simple/"


def test_null_config_file_means_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    assert net._pip_config_files() == []


def test_json_api_base() -> None:
    assert net.json_api_base("http://index.invalid/simple/") == "http://index.invalid/pypi/"
    assert net.json_api_base("https://index.invalid/root/simple") == "https://index.invalid/root/pypi/"
