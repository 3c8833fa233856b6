# ruff: noqa
"""Fixture for PW203."""
import os
import shutil
import tempfile
import unittest


def build():
    work = tempfile.mkdtemp()  # expect: PW203@12
    return os.listdir(work)


def ok():
    work = tempfile.mkdtemp()  # ok
    try:
        return os.listdir(work)
    finally:
        shutil.rmtree(work)


def ok_returned():
    return tempfile.mkdtemp(prefix="build-")  # ok


class LeakyTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()  # expect: PW203@20


class CleanTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp()  # ok
        self.addCleanup(shutil.rmtree, self.work)
