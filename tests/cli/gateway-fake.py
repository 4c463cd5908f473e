#!/usr/bin/python3
"""gateway-fake.py: the JSON gateway of an etcd member that cannot serve,
for tests/cli/t-etcd-client.sh.

Usage: gateway-fake.py CERT KEY STATUS CODE MESSAGE LOG

It listens with TLS (CERT and KEY, PEM) on 127.0.0.1 on a port chosen by
the kernel, prints that port on stdout (one line, flushed) once it accepts
connections, and answers every POST with HTTP STATUS and the body etcd's
grpc-gateway sends for a gRPC error, {"error": MESSAGE, "code": CODE,
"message": MESSAGE}: what a member answers while it starts or stops (503,
code 14 "etcdserver: not capable"), when its gRPC stream broke (500, code
13) or when the cluster refuses (404, code 5).  Each request's path is
appended to LOG, one line each.

Python 3 standard library only.  It runs until killed (SIGTERM).
"""

import http.server
import json
import socketserver
import ssl
import sys


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    status = 503
    body = b"{}"
    log = None

    def log_message(self, fmt, *args):
        sys.stderr.write("gateway-fake: %s - %s\n" %
                         (self.address_string(), fmt % args))

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 0:
            self.rfile.read(n)
        with open(self.log, "a") as f:
            f.write(self.path + "\n")
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(self.body)
        self.wfile.flush()
        self.close_connection = True


def main(argv):
    if len(argv) != 6:
        sys.stderr.write("usage: gateway-fake.py CERT KEY STATUS CODE "
                         "MESSAGE LOG\n")
        return 2
    cert, key, status, code, message, log = argv
    Handler.status = int(status)
    Handler.body = (json.dumps({"error": message, "code": int(code),
                                "message": message}) + "\n").encode()
    Handler.log = log
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
