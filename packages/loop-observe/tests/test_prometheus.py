"""The Prometheus endpoint, served by the loop itself on 127.0.0.1."""

import socket

import loop_core
import loop_observe
import pytest

pytestmark = [pytest.mark.ours_only, pytest.mark.timeout(30)]


def test_serves_the_metrics_in_text_format():
    loop = loop_core.new_event_loop()

    async def main():
        server = await loop_observe.serve_prometheus(loop)
        try:
            with socket.socket() as sock:
                sock.setblocking(False)
                await loop.sock_connect(sock, ("127.0.0.1", server.port))
                await loop.sock_sendall(sock, b"GET /metrics HTTP/1.1\r\n\r\n")
                body = b""
                while chunk := await loop.sock_recv(sock, 65536):
                    body += chunk
        finally:
            server.close()
        return body.decode()

    try:
        answer = loop.run_until_complete(main())
    finally:
        loop.close()
    head, _, text = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 200 OK")
    assert "text/plain; version=0.0.4" in head
    assert "# TYPE loop_iterations_total counter" in text
    # main, the server's accept loop and the request being answered
    assert 'loop_tasks{loop="0"} 3' in text
    assert 'loop_lag_seconds{loop="0",quantile="0.99"}' in text
