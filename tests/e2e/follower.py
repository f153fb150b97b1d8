#!/usr/bin/env python3
"""A follower that behaves badly on purpose, for the output tests.

  follower.py URL CERT KEY CACERT OUT [--stall-after N --stall-until FILE] [--cut-after N]
              [--range R]

GETs URL over mutual TLS and writes the body to OUT. --stall-after N: after the first N bytes,
read nothing until FILE exists (the job writes on meanwhile; at most 2 minutes), then read the
rest. --cut-after N:
close the connection after N bytes, as a dropped connection would. --range R: send Range: R.
Prints the status and X-Output-Offset on stdout, and "stalled" on stderr when the stall begins.
"""
import http.client
import os
import ssl
import sys
import time
import urllib.parse

url, cert, key, cacert, out = sys.argv[1:6]
opts = dict(zip(sys.argv[6::2], sys.argv[7::2]))
stall_after = int(opts.get("--stall-after", -1))
gate = opts.get("--stall-until", "")
cut_after = int(opts.get("--cut-after", -1))

ctx = ssl.create_default_context(cafile=cacert)
ctx.load_cert_chain(cert, key)
u = urllib.parse.urlsplit(url)
conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx)
headers = {"Range": opts["--range"]} if "--range" in opts else {}
conn.request("GET", u.path + ("?" + u.query if u.query else ""), headers=headers)
resp = conn.getresponse()
print(resp.status, resp.getheader("X-Output-Offset", ""), flush=True)
got = 0
with open(out, "wb") as f:
    while True:
        want = 65536
        if stall_after >= 0 and got < stall_after:
            want = min(want, stall_after - got)
        if cut_after >= 0:
            want = min(want, cut_after - got)
            if want == 0:
                break
        chunk = resp.read1(want) if want else b""
        if not chunk:
            break
        f.write(chunk)
        f.flush()
        got += len(chunk)
        if got == stall_after:
            print("stalled", file=sys.stderr, flush=True)
            for _ in range(2400):
                if os.path.exists(gate):
                    break
                time.sleep(0.05)
            stall_after = -1
conn.close()
