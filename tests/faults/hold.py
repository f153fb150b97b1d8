#!/usr/bin/env python3
"""Hold connections to the stack open and do nothing more with them, as a stalled or hostile
client would: plain TCP connections that never start TLS, TLS connections that send half a
request's headers, and TLS connections that send whole headers of a POST and half its body.

    hold.py PORT CERTDIR RAW HALF_HEADERS HALF_BODIES

Prints "holding N" once all are open, then holds them until stdin is closed or it is killed.
"""
import socket
import ssl
import sys


def main():
    port, certs = int(sys.argv[1]), sys.argv[2]
    raw, half_headers, half_bodies = (int(a) for a in sys.argv[3:6])
    ctx = ssl.create_default_context(cafile=f"{certs}/ca.crt")
    ctx.load_cert_chain(f"{certs}/user1.crt", f"{certs}/user1.key")
    held = []
    for _ in range(raw):
        held.append(socket.create_connection(("127.0.0.1", port)))
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
    print(f"holding {len(held)}", flush=True)
    sys.stdin.read()
    for s in held:
        s.close()


if __name__ == "__main__":
    main()
