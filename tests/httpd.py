"""A webhook receiver for the tests: checks the signature, records.

    /usr/bin/python3 tests/httpd.py --port N --dir DIR --secret-file FILE

Listens on 127.0.0.1:N; writes DIR/ready when it accepts connections.
For each POST it checks X-Privacy-Signature (sha256= HMAC-SHA256 of
"<X-Privacy-Timestamp>.<X-Privacy-Delivery>.<body>" with the secret) and
appends one JSON line to DIR/log: {"path", "event", "delivery", "timestamp",
"signature_ok", "unsigned_delivery_ok" (the signature of the old scheme,
"<timestamp>.<body>", matches), "status", "body"}.  The answer is 204, or 401 for a bad signature, or the
first line of DIR/status when that file exists (e.g. "503"); a DIR/status
holding "503 once" answers 503 one time and then removes itself.
Faults, by the first word of DIR/status (the request is logged first,
with that word as its "status"):
    stall           never answers (the request was received)
    stall-body      sends "200" headers announcing 100 bytes, 10 of them,
                    then nothing more
    redirect URL    answers 307 with Location: URL
With --tls CERT KEY it speaks HTTPS with that certificate.
"""
import argparse
import hashlib
import hmac
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--secret-file", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    a = ap.parse_args()
    with open(a.secret_file, "rb") as f:
        secret = f.read().rstrip(b"\r\n")

    class H(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            ts = self.headers.get("X-Privacy-Timestamp", "")
            sig = self.headers.get("X-Privacy-Signature", "")
            did = self.headers.get("X-Privacy-Delivery", "")
            want = "sha256=" + hmac.new(secret, ts.encode() + b"." +
                                        did.encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
            good = hmac.compare_digest(sig, want)
            old = "sha256=" + hmac.new(secret, ts.encode() + b"." + body,
                                       hashlib.sha256).hexdigest()
            old_good = hmac.compare_digest(sig, old)
            status = 204 if good else 401
            sp = os.path.join(a.dir, "status")
            if good and os.path.exists(sp):
                with open(sp) as f:
                    words = f.readline().split()
                status = words[0]
                if status.isdigit():
                    status = int(status)
                if len(words) > 1 and words[1] == "once":
                    os.unlink(sp)
            rec = {"path": self.path,
                   "event": self.headers.get("X-Privacy-Event"),
                   "delivery": self.headers.get("X-Privacy-Delivery"),
                   "timestamp": ts, "signature_ok": good,
                   "unsigned_delivery_ok": old_good, "status": status,
                   "body": body.decode("utf-8", "replace")}
            with open(os.path.join(a.dir, "log"), "a") as f:
                f.write(json.dumps(rec) + "\n")
            if status in ("stall", "stall-body"):
                if status == "stall-body":
                    self.send_response(200)
                    self.send_header("Content-Length", "100")
                    self.end_headers()
                    self.wfile.write(b"0123456789")
                    self.wfile.flush()
                while self.rfile.read(1):  # until the client gives up
                    pass
                self.close_connection = True
                return
            if status == "redirect":
                self.send_response(307)
                self.send_header("Location", words[1])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    os.makedirs(a.dir, exist_ok=True)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), H)
    if a.tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(os.path.join(a.dir, "ready"), "w") as f:
        f.write(str(os.getpid()))
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
