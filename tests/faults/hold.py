#!/usr/bin/env python3
"""Hold connections to the stack open and do nothing more with them, as a stalled or hostile
client would: plain TCP connections that never start TLS, TLS connections that send half a
request's headers, and TLS connections that send whole headers of a POST and half its body.

    hold.py PORT CERTDIR RAW HALF_HEADERS HALF_BODIES

Prints "holding N" once all are open, then "closed N" each time the server has closed more of
them, and holds the rest until its stdin is closed.
"""
import selectors
import socket
import ssl
import sys


def open_all(port, certs, raw, half_headers, half_bodies):
    ctx = ssl.create_default_context(cafile=f"{certs}/ca.crt")
    ctx.load_cert_chain(f"{certs}/user1.crt", f"{certs}/user1.key")
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(raw)]
    for n in range(half_headers + half_bodies):
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)),
                            server_hostname="localhost")
        if n < half_headers:
            s.sendall(b"GET /jobs HTTP/1.1\r\nHost: localhost\r\nX-Half: ")
        else:
            s.sendall(b"POST /jobs HTTP/1.1\r\nHost: localhost\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                      b'{"command":["sleep",')
        held.append(s)
    return held


def closed_by_server(s):
    """Whether a readable socket was closed by the server (not just sent something)."""
    try:
        return s.recv(4096) == b""
    except ssl.SSLWantReadError:
        return False
    except OSError:
        return True


def main():
    port, certs = int(sys.argv[1]), sys.argv[2]
    held = open_all(port, certs, *(int(a) for a in sys.argv[3:6]))
    print(f"holding {len(held)}", flush=True)
    sel = selectors.DefaultSelector()
    sel.register(sys.stdin, selectors.EVENT_READ)
    for s in held:
        sel.register(s, selectors.EVENT_READ)
    closed = 0
    while True:
        for key, _ in sel.select():
            if key.fileobj is sys.stdin:
                if not sys.stdin.read(4096):
                    for s in held:
                        s.close()
                    return
            elif closed_by_server(key.fileobj):
                sel.unregister(key.fileobj)
                closed += 1
                print(f"closed {closed}", flush=True)


if __name__ == "__main__":
    main()
