"""Content-addressed file storage outside the web root, and safe downloads.

Files are kept under ``UPLOAD_FOLDER`` (``instance/uploads``) as ``ab/cd/<sha256>``, written to
a temporary name first and renamed, so a file is either complete or absent. The interface
(``put``, ``put_stream``, ``path``, ``exists``) is what an S3-compatible store would implement
for larger deployments.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from flask import Flask, Response, abort, current_app, send_file

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Files are copied and hashed this many bytes at a time.
CHUNK_BYTES = 64 * 1024


class LocalFileStore:
    """Files on the local disk, named by the SHA-256 of their content."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        """Where the file with this digest lives (whether or not it exists)."""
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> str:
        """Store ``data`` (once: identical content is stored once) and return its digest."""
        return self.put_stream(io.BytesIO(data))

    def put_stream(self, stream: BinaryIO) -> str:
        """Store what is left to read of ``stream`` (once) and return its SHA-256 digest.

        The content is copied in chunks into a temporary file while it is hashed, so a large
        upload is never held in memory; the file is synced and renamed into place only once
        complete. The temporary file sits in the store's root, on the same file system as
        its final place, so that the rename is atomic.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        handle = tempfile.NamedTemporaryFile(dir=self.root, prefix=".incoming-", delete=False)
        try:
            with handle:
                while chunk := stream.read(CHUNK_BYTES):
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            target = self.path(digest.hexdigest())
            if target.is_file():
                os.unlink(handle.name)  # already stored: identical content is kept once
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(handle.name, target)
                _fsync_directory(target.parent)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return digest.hexdigest()

    def probe(self) -> None:
        """Write and delete a small file where uploads go (the health check); OSError when
        the store cannot take a file."""
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".probe-") as handle:
            handle.write(b"ok")
            handle.flush()


def _fsync_directory(folder: Path) -> None:
    """Make a rename in ``folder`` survive a power cut (where the system allows it)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems cannot sync a directory; the file itself is synced
    finally:
        os.close(descriptor)


def init_app(app: Flask) -> None:
    """Create the store for this app (``UPLOAD_FOLDER``, relative to the instance folder)."""
    root = Path(app.config["UPLOAD_FOLDER"])
    if not root.is_absolute():
        root = Path(app.instance_path) / root
    app.extensions["portal.files"] = LocalFileStore(root)


def store() -> LocalFileStore:
    """The current app's file store."""
    return current_app.extensions["portal.files"]


def download_response(sha256: str, filename: str | None, media_type: str | None) -> Response:
    """Send a stored file as an attachment (never displayed inline).

    Uploaded files come from the public. Should a browser open one anyway, the sandbox policy
    keeps any script in it from running with the portal's origin; ``nosniff`` is already sent
    with every response by ``portal.security``.
    """
    path = store().path(sha256)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=media_type or "application/octet-stream",
                         as_attachment=True, download_name=filename or sha256,
                         conditional=True)
    # Replaces the site-wide policy, which portal.security only sets where none is present.
    response.headers["Content-Security-Policy"] = "sandbox"
    return response
