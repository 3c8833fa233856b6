# ruff: noqa
"""Fixture for PW106."""
import shutil
import tarfile
import zipfile

from flask import request


def unpack(path, dest):
    with tarfile.open(path) as tar:
        tar.extractall(dest)  # expect: PW106@9


def unpack_safely(path, dest):
    with tarfile.open(path) as tar:
        tar.extractall(dest, filter="data")  # ok


def unpack_selected(path, dest):
    tar = tarfile.open(path)
    try:
        tar.extractall(dest, members=safe_members(tar))  # ok
    finally:
        tar.close()


def unpack_any(path, dest):
    shutil.unpack_archive(path, dest)  # expect: PW106@5


def upload(dest):
    archive = zipfile.ZipFile(request.files["bundle"])
    archive.extractall(dest)  # expect: PW106@5
    archive.close()


def local_zip(dest):
    with zipfile.ZipFile("bundled.zip") as archive:
        archive.extractall(dest)  # ok
