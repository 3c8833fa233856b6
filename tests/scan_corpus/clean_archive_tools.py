import os
import shutil
import tarfile
import tempfile
import zipfile

PLUGINS = "/srv/plugins"


def is_within(directory, target):
    directory = os.path.realpath(directory)
    return os.path.commonpath([directory, os.path.realpath(target)]) == directory


def safe_members(tar, dest):
    for member in tar.getmembers():
        if is_within(dest, os.path.join(dest, member.name)) and not member.issym():
            yield member


def install_theme(path):
    dest = os.path.join(PLUGINS, "themes")
    with tarfile.open(path, mode="r:*") as tar:
        tar.extractall(dest, members=safe_members(tar, dest))


def install_theme_filtered(path):
    with tarfile.open(path) as tar:
        tar.extractall(PLUGINS, filter="data")


def unpack_release(path, dest):
    with tempfile.TemporaryDirectory() as work:
        shutil.unpack_archive(path, work, filter="data")
        shutil.copytree(work, dest, dirs_exist_ok=True)


def install_plugin(path):
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("/") or ".." in name.split("/"):
                raise ValueError(f"unsafe member {name}")
        zf.extractall(PLUGINS)
