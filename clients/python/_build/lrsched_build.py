"""PEP 517 build backend for the lrsched client: packs src/lrsched into a pure-Python
wheel with the standard library only, so `pip install ./clients/python` needs no
setuptools, no wheel package and no network."""

import base64
import hashlib
import io
import os
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "lrsched"
VERSION = "0.1.0"
DIST_INFO = f"{NAME}-{VERSION}.dist-info"

METADATA = f"""Metadata-Version: 2.1
Name: {NAME}
Version: {VERSION}
Summary: Client for the lrsched learning-rate scheduling service, with a drop-in remote PyTorch scheduler
Requires-Python: >=3.9
"""

WHEEL = """Wheel-Version: 1.0
Generator: lrsched_build
Root-Is-Purelib: true
Tag: py3-none-any
"""


def _package_files():
    for path in sorted((ROOT / "src" / NAME).rglob("*.py")):
        yield path.relative_to(ROOT / "src").as_posix(), path.read_bytes()


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _write_wheel(wheel_directory, files):
    """A wheel of `files` (name, bytes) plus its metadata and RECORD."""
    filename = f"{NAME}-{VERSION}-py3-none-any.whl"
    files = list(files) + [
        (f"{DIST_INFO}/METADATA", METADATA.encode()),
        (f"{DIST_INFO}/WHEEL", WHEEL.encode()),
        (f"{DIST_INFO}/top_level.txt", f"{NAME}\n".encode()),
    ]
    record = "\n".join([_record_line(n, d) for n, d in files] + [f"{DIST_INFO}/RECORD,,", ""])
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files:
            wheel.writestr(name, data)
        wheel.writestr(f"{DIST_INFO}/RECORD", record)
    return filename


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, _package_files())


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """An editable install: a .pth file pointing at src/."""
    return _write_wheel(wheel_directory, [(f"_{NAME}_editable.pth", f"{ROOT / 'src'}\n".encode())])


def build_sdist(sdist_directory, config_settings=None):
    base = f"{NAME}-{VERSION}"
    filename = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as sdist:
        for relative in ["pyproject.toml", "README.md", "_build/lrsched_build.py"]:
            sdist.add(ROOT / relative, arcname=f"{base}/{relative}")
        for name, data in _package_files():
            info = tarfile.TarInfo(f"{base}/src/{name}")
            info.size = len(data)
            sdist.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(METADATA.encode())
        sdist.addfile(info, io.BytesIO(METADATA.encode()))
    return filename
