"""Line numbers of pyproject.toml entries: in file order, repeated strings, many entries."""

from __future__ import annotations

from pathlib import Path

from pipwarden.sources import collect


def test_lines_follow_the_file(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[project]\nname = "x"\nversion = "1"\ndependencies = [\n'
        '  "a==1",\n  "b==2",\n]\n'
        "[project.optional-dependencies]\n"
        'dev = [\n  "a==1",\n  "c==3",\n]\n'
        "[dependency-groups]\n"
        'test = ["b==2", "a==1"]\n'
    )
    found = collect([str(path)], all_platforms=True)
    lines = sorted((d.group, d.name, d.line) for d in found.dependencies)
    assert lines == [
        ("dev", "a", 10),
        ("dev", "c", 11),
        ("main", "a", 5),
        ("main", "b", 6),
        ("test", "a", 14),
        ("test", "b", 14),
    ]


def test_twenty_thousand_entries_keep_exact_lines(tmp_path: Path) -> None:
    body = ",\n".join(f'  "pkg{i}==1.{i}"' for i in range(20000))
    path = tmp_path / "pyproject.toml"
    path.write_text(f'[project]\nname = "x"\nversion = "1"\ndependencies = [\n{body}\n]\n')
    found = collect([str(path)])
    assert len(found.dependencies) == 20000
    assert [d.line for d in found.dependencies[:2]] == [5, 6]
    assert found.dependencies[-1].line == 20004
