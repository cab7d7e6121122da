"""`make run` holds a burst of 200 clients: none is refused or reset, every one is answered.

The stack is paused (SIGSTOP) while the 200 connect, as a busy gateway would be: only connections the
listen backlog holds complete their handshake then. With socketserver's default backlog (5) the rest were
dropped, which reset 58 of 100 concurrent sends; the gateway's backlog now holds them all.
"""

from __future__ import annotations

import os
import signal
import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from tests.e2e.conftest import API_KEY, RunningStack

CLIENTS = 200


def _answer(connection: socket.socket, host: str) -> str:
    request = (
        f"GET /integrations/demo HTTP/1.1\r\nHost: {host}\r\nx-api-key: {API_KEY}\r\n"
        "Connection: close\r\n\r\n"
    )
    with connection:
        connection.settimeout(120)
        connection.sendall(request.encode())
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received.split(b"\r\n", 1)[0].decode()


def test_a_burst_of_200_connections_is_held_and_answered(stack: RunningStack) -> None:
    address = urlsplit(stack.url)
    assert address.hostname and address.port
    connections: list[socket.socket] = []
    refused: OSError | None = None
    os.kill(stack.process.pid, signal.SIGSTOP)
    try:
        while len(connections) < CLIENTS and refused is None:
            try:
                # While the stack is paused, the kernel completes a handshake only if the backlog has room.
                connections.append(socket.create_connection((address.hostname, address.port), timeout=5))
            except OSError as error:
                refused = error
    finally:
        os.kill(stack.process.pid, signal.SIGCONT)
    if refused is not None:
        for connection in connections:
            connection.close()
        raise AssertionError(f"only {len(connections)} of {CLIENTS} connections were held: {refused!r}")
    with ThreadPoolExecutor(max_workers=50) as pool:
        status_lines = list(pool.map(lambda connection: _answer(connection, address.netloc), connections))
    assert status_lines == ["HTTP/1.1 200 OK"] * CLIENTS
