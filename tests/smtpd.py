"""A test SMTP server (aiosmtpd) that records what it receives.

    /usr/bin/python3 tests/smtpd.py --port N --dir DIR [--tls CERT KEY
        [--tls-on-connect]] [--no-starttls] [--auth USER:PASSWORD]
        [--no-pipelining] [--idle-timeout SECONDS]

Listens on 127.0.0.1:N and writes DIR/ready when it accepts connections.
Each accepted message is stored as DIR/msg/NNNNNN.eml (the envelope in
X-Test-Mail-From / X-Test-Rcpt-To lines before the message); DIR/log gets
one line per command outcome, e.g. "RCPT 451 tempfail@x", "AUTH ok".

Behaviour on request, by recipient address:
    tempfail*@...   RCPT answered 451
    reject*@...     RCPT answered 550
    drop*@...       the message is recorded, then the connection is closed
                    instead of the reply to DATA
    (an address beyond ASCII: RCPT answered 553 unless MAIL FROM said
    SMTPUTF8)
and by file: when DIR/reply exists, its first line (e.g. "452 4.3.1 full")
answers every DATA instead of 250 (the message is not recorded).
--tls enables STARTTLS (required before MAIL and AUTH); --no-starttls runs
without offering it.  --tls-on-connect speaks TLS from the first byte
instead (smtps://, port 465 style), without STARTTLS.  X-Test-TLS says
whether the message came over TLS, either way.  --auth requires AUTH (PLAIN/LOGIN) before MAIL.
PIPELINING (RFC 2920) is offered, as real servers do; --no-pipelining
leaves it out (the client then waits for the reply to every command).
--idle-timeout closes a session that sent no command for that long (the
default 300 s) and logs "TIMEOUT".
"""
import argparse
import os
import signal
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

SIGNALS = {signal.SIGTERM, signal.SIGINT}


class Recorder:
    def __init__(self, d):
        self.dir = d
        self.n = 0
        os.makedirs(os.path.join(d, "msg"), exist_ok=True)

    def log(self, line):
        with open(os.path.join(self.dir, "log"), "a") as f:
            f.write(line + "\n")

    async def handle_RCPT(self, server, session, envelope, address, opts):
        local = address.split("@")[0].lower()
        if not address.isascii() and "SMTPUTF8" not in [
                o.upper() for o in envelope.mail_options]:
            # RFC 6531 3.4: MAIL FROM must have said SMTPUTF8
            self.log("RCPT 553")
            return "553 5.6.7 non-ASCII address without SMTPUTF8"
        if local.startswith("tempfail"):
            self.log("RCPT 451")
            return "451 4.7.1 try again later"
        if local.startswith("reject"):
            self.log("RCPT 550")
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        rp = os.path.join(self.dir, "reply")
        if os.path.exists(rp):
            with open(rp) as f:
                line = f.readline().strip()
            self.log("DATA " + line[:3])
            return line
        self.n += 1
        name = os.path.join(self.dir, "msg", "%06d.eml" % self.n)
        tmp = name + ".tmp"
        with open(tmp, "wb") as f:
            f.write(b"X-Test-Mail-From: " + envelope.mail_from.encode() + b"\r\n")
            for r in envelope.rcpt_tos:
                f.write(b"X-Test-Rcpt-To: " + r.encode() + b"\r\n")
            tls = (session.ssl is not None or
                   server.transport.get_extra_info("ssl_object") is not None)
            f.write(b"X-Test-TLS: " + (b"yes" if tls else b"no") + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, name)
        if any(r.split("@")[0].lower().startswith("drop") for r in envelope.rcpt_tos):
            self.log("DATA drop")
            server.transport.close()
            return "421 closing"
        self.log("DATA 250")
        return "250 2.0.0 Ok: queued as %06d" % self.n


async def handle_EHLO(server, session, envelope, hostname, responses):
    session.host_name = hostname
    return responses[:-1] + ["250-PIPELINING", responses[-1]]


class Server(SMTP):
    def _timeout_cb(self):
        # closed at once (asyncio closes the socket later), then logged:
        # once "TIMEOUT" is in the log, the client can see the session end
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.event_handler.log("TIMEOUT")
        super()._timeout_cb()


class Control(Controller):
    def factory(self):
        return Server(self.handler, **self.SMTP_kwargs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--tls-on-connect", action="store_true")
    ap.add_argument("--no-starttls", action="store_true")
    ap.add_argument("--auth")
    ap.add_argument("--no-pipelining", action="store_true")
    ap.add_argument("--idle-timeout", type=float)
    a = ap.parse_args()
    # Blocked before the server thread starts, so that only sigwait sees them.
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)

    rec = Recorder(a.dir)
    if not a.no_pipelining:
        rec.handle_EHLO = handle_EHLO
    kw = {"decode_data": False, "enable_SMTPUTF8": True}
    if a.idle_timeout:
        kw["timeout"] = a.idle_timeout
    starttls = a.tls and not a.no_starttls and not a.tls_on_connect
    ctl_kw = {}
    if a.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        if a.tls_on_connect:
            ctl_kw["ssl_context"] = ctx
        elif starttls:
            kw["tls_context"] = ctx
            kw["require_starttls"] = True
    if a.auth:
        user, pw = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, data):
            good = (isinstance(data, LoginPassword) and
                    data.login.decode() == user and
                    data.password.decode() == pw)
            rec.log("AUTH " + ("ok" if good else "bad"))
            return AuthResult(success=good, handled=False)

        kw["authenticator"] = authenticator
        kw["auth_require_tls"] = bool(starttls)
        kw["auth_required"] = True
    else:
        kw["auth_require_tls"] = False

    ctl = Control(rec, hostname="127.0.0.1", port=a.port, **ctl_kw, **kw)
    ctl.start()
    with open(os.path.join(a.dir, "ready.tmp"), "w") as f:
        f.write(str(os.getpid()))
    os.rename(os.path.join(a.dir, "ready.tmp"), os.path.join(a.dir, "ready"))
    try:
        signal.sigwait(SIGNALS)
    finally:
        ctl.stop()


if __name__ == "__main__":
    sys.exit(main())
