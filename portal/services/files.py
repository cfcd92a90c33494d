"""Content-addressed file storage outside the web root, and safe downloads.

Files are kept under ``UPLOAD_FOLDER`` (``instance/uploads``) as ``ab/cd/<sha256>``, written to
a temporary name first and renamed, so a file is either complete or absent. The interface
(``put``, ``path``, ``exists``) is what an S3-compatible store would implement for larger
deployments.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import Flask, Response, abort, current_app, send_file

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.is_file():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, target)
        return digest


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
    """Send a stored file as an attachment (never displayed inline)."""
    path = store().path(sha256)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=media_type or "application/octet-stream",
                     as_attachment=True, download_name=filename or sha256, conditional=True)
