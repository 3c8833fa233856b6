import os
import shutil
import tempfile
import unittest
from pathlib import Path


def make_tree(files, root):
    for name, text in files.items():
        Path(root, name).write_text(text)
    return sorted(os.listdir(root))


class ConfigTest(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="cfg-")
        self.addCleanup(shutil.rmtree, self.workdir, ignore_errors=True)

    def test_write(self):
        path = os.path.join(self.workdir, "c.ini")
        with open(path, "w") as f:
            f.write("[x]\n")
        self.assertTrue(os.path.exists(path))

    def test_tree(self):
        with tempfile.TemporaryDirectory() as root:
            self.assertEqual(make_tree({"a": "1"}, root), ["a"])


def test_pytest_style(tmp_path):
    target = tmp_path / "out.txt"
    with target.open("w") as fh:
        fh.write("x")
    assert target.read_text() == "x"
