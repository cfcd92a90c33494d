"""A small client for clamd, ClamAV's daemon: the INSTREAM command over its Unix socket or
TCP (see clamd(8)). The upload check (:func:`portal.services.uploads.scan`) decides what an
answer means for the citizen."""
from __future__ import annotations

import socket
import struct
from typing import BinaryIO

CHUNK_BYTES = 64 * 1024


def instream(stream: BinaryIO, timeout: float, *, socket_path: str = "",
             address: str = "") -> str:
    """Send the whole file to clamd in length-prefixed chunks and return its answer
    (``stream: OK`` or ``stream: <name> FOUND``); OSError when clamd cannot be reached."""
    with _connection(timeout, socket_path, address) as connection:
        connection.sendall(b"zINSTREAM\0")
        stream.seek(0)
        while chunk := stream.read(CHUNK_BYTES):
            connection.sendall(struct.pack("!I", len(chunk)) + chunk)
        connection.sendall(struct.pack("!I", 0))
        reply = b""
        while b"\0" not in reply and len(reply) < 4096:
            part = connection.recv(4096)
            if not part:
                break
            reply += part
    return reply.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def ping(timeout: float, *, socket_path: str = "", address: str = "") -> bool:
    """True when clamd answers PING with PONG (the health check); OSError when it cannot be
    reached."""
    with _connection(timeout, socket_path, address) as connection:
        connection.sendall(b"zPING\0")
        reply = connection.recv(64)
    return reply.split(b"\0", 1)[0].strip() == b"PONG"


def _connection(timeout: float, socket_path: str, address: str) -> socket.socket:
    """A connection to clamd: its Unix socket if given, else its ``host:port``."""
    if socket_path:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        try:
            connection.connect(socket_path)
        except OSError:
            connection.close()
            raise
        return connection
    host, _colon, port = address.rpartition(":")
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
