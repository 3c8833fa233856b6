import os
import shutil
import tempfile
import unittest


def make_tree(files):
    root = tempfile.mkdtemp()  # expect: PW203
    for name, text in files.items():
        with open(os.path.join(root, name), "w") as f:
            f.write(text)
    return sorted(os.listdir(root))


class ConfigTest(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="cfg-")  # expect: PW203

    def test_write(self):
        path = os.path.join(self.workdir, "c.ini")
        with open(path, "w") as f:
            f.write("[x]\n")
        self.assertTrue(os.path.exists(path))

    def test_scratch(self):
        scratch = open("/tmp/config-test.ini", "w")  # expect: PW201, PW206
        scratch.write("[y]\n")
        scratch.close()


class CacheTest(unittest.TestCase):
    def setUp(self):
        self.cache = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.cache)

    def test_empty(self):
        self.assertEqual(os.listdir(self.cache), [])
