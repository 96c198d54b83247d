"""A misbehaving SMTP server for the fault matrix (standard library only).

    /usr/bin/python3 tests/smtp-faultd.py --port N --dir DIR [--tls CERT KEY]
        [--pipelining]

Listens on 127.0.0.1:N and writes DIR/ready when it accepts connections.
Each new connection reads its behaviour from the first word of DIR/mode
(no file: "ok"), so one server plays every case of a test:

    ok              a healthy server
    greet421        "421" instead of the greeting, then closes
    mail451 mail550 that reply to MAIL FROM
    rcpt451 rcpt550 that reply to RCPT TO
    data451 data554 that reply after the final dot (the message is NOT
                    counted as received)
    drop-before-dot closes the connection in the middle of the message
    drop-after-dot  reads the whole message (counted as received), closes
                    without a reply
    stall           accepts, never says anything
    stall-after-dot reads the whole message (counted), never replies
    hold-550-quote  reads the whole message (counted), waits until the file
                    DIR/release exists (the test does something meanwhile,
                    e.g. erases the recipient), then refuses it with a
                    reply that quotes the recipient's address
    no-starttls     (with the client requiring TLS) does not offer STARTTLS
    starttls        offers STARTTLS and does it with --tls CERT KEY

--pipelining offers PIPELINING (RFC 2920) after EHLO.  As a real server,
faultd answers RCPT without an accepted MAIL with 503, and DATA without an
accepted RCPT with 554 (a pipelining client sends them before it knows).

DIR/log gets one line per event: "CONNECT mode", the command verbs as
received ("EHLO", "MAIL", "RCPT", "DATA", "RSET", "QUIT", "STARTTLS",
"TLS ok" / "TLS failed"), "PIPELINED" after a MAIL FROM that came with
more commands in the same read, and "MSG <key> <message-id>" for every
message received up to its final dot (also when the reply is then
withheld); the key is "event-N" for a message of notify (its last line
names the event), else the recipient.
Nothing of a message is logged in clear after a STARTTLS that failed.
"""
import argparse
import os
import re
import socket
import ssl
import sys
import threading
import time


class Conn:
    def __init__(self, sock, d, tls, pipelining):
        self.s = sock
        self.buf = b""
        self.dir = d
        self.tls = tls
        self.pipelining = pipelining

    def log(self, line):
        with open(os.path.join(self.dir, "log"), "a") as f:
            f.write(line + "\n")

    def say(self, line):
        self.s.sendall(line.encode() + b"\r\n")

    def readline(self):
        while b"\n" not in self.buf:
            data = self.s.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        i = self.buf.index(b"\n") + 1
        line, self.buf = self.buf[:i], self.buf[i:]
        return line


def mode_of(d):
    try:
        with open(os.path.join(d, "mode")) as f:
            return (f.read().split() or ["ok"])[0]
    except FileNotFoundError:
        return "ok"


def hang(c):
    # Never answer; leave when the client gives up.
    try:
        while c.s.recv(4096):
            pass
    except OSError:
        pass


def session(c, mode):
    c.log("CONNECT " + mode)
    if mode == "stall":
        hang(c)
        return
    if mode == "greet421":
        c.say("421 4.3.2 faultd: service not available, closing")
        return
    c.say("220 faultd ESMTP")
    rcpt = []
    mail = False
    while True:
        line = c.readline().rstrip(b"\r\n").decode("utf-8", "replace")
        verb = line.split(" ", 1)[0].split(":", 1)[0].upper()
        c.log(verb)
        if verb == "MAIL" and c.buf:
            c.log("PIPELINED")
        if verb in ("EHLO", "HELO"):
            ext = ["250-faultd", "250-8BITMIME", "250-SMTPUTF8"]
            if c.pipelining:
                ext.append("250-PIPELINING")
            if mode == "starttls" and not c.tls_done:
                ext.append("250-STARTTLS")
            ext.append("250 SIZE 10000000")
            for e in ext:
                c.say(e)
        elif verb == "STARTTLS" and mode == "starttls" and not c.tls_done:
            c.say("220 2.0.0 go ahead")
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(*c.tls)
            try:
                c.s = ctx.wrap_socket(c.s, server_side=True)
            except (ssl.SSLError, OSError) as e:
                c.log("TLS failed " + type(e).__name__)
                return
            c.buf = b""
            c.tls_done = True
            c.log("TLS ok")
        elif verb == "MAIL":
            mail, rcpt = False, []
            if mode == "mail451":
                c.say("451 4.3.0 faultd: MAIL deferred, try later")
            elif mode == "mail550":
                c.say("550 5.7.1 faultd: sender refused")
            else:
                mail = True
                c.say("250 2.1.0 ok")
        elif verb == "RCPT":
            if not mail:
                c.say("503 5.5.1 faultd: MAIL first")
            elif mode == "rcpt451":
                c.say("451 4.2.0 faultd: mailbox busy, try later")
            elif mode == "rcpt550":
                c.say("550 5.1.1 faultd: no such user")
            else:
                m = re.search(r"<([^>]*)>", line)
                rcpt.append(m.group(1) if m else "?")
                c.say("250 2.1.5 ok")
        elif verb == "DATA" and not rcpt:
            c.say("554 5.5.1 faultd: no valid recipients")
        elif verb == "DATA":
            mail = False
            c.say("354 end data with <CR><LF>.<CR><LF>")
            msgid, key, n = "?", None, 0
            while True:
                if mode == "drop-before-dot" and n >= 3:
                    c.log("DROP before dot")
                    return
                body = c.readline()
                n += 1
                if body in (b".\r\n", b".\n"):
                    break
                m = re.match(rb"(?i)message-id:\s*<([^>]*)>", body)
                if m and msgid == "?":
                    msgid = m.group(1).decode("utf-8", "replace")
                m = re.match(rb"(?i)x-privacy-event-id:\s*([0-9]+)", body)
                if m:
                    key = "event-" + m.group(1).decode()
            if mode in ("data451", "data554"):
                c.say("451 4.3.0 faultd: queue full, try later"
                      if mode == "data451" else
                      "554 5.6.0 faultd: message refused")
                continue
            for r in rcpt:
                c.log("MSG %s %s" % (key or r, msgid))
            if mode == "drop-after-dot":
                c.log("DROP after dot")
                return
            if mode == "stall-after-dot":
                hang(c)
                return
            if mode == "hold-550-quote":
                for _ in range(1200):  # up to a minute
                    if os.path.exists(os.path.join(c.dir, "release")):
                        break
                    time.sleep(0.05)
                c.say("550 5.1.1 <%s>: Recipient address rejected"
                      % (rcpt[0] if rcpt else "?"))
                continue
            c.say("250 2.0.0 ok: queued")
        elif verb == "RSET":
            rcpt = []
            mail = False
            c.say("250 2.0.0 ok")
        elif verb == "NOOP":
            c.say("250 2.0.0 ok")
        elif verb == "QUIT":
            c.say("221 2.0.0 faultd: bye")
            return
        else:
            c.say("502 5.5.2 faultd: not implemented")


def serve(sock, d, tls, pipelining):
    c = Conn(sock, d, tls, pipelining)
    c.tls_done = False
    try:
        session(c, mode_of(d))
    except (EOFError, OSError):
        pass
    finally:
        try:
            c.s.close()
        except OSError:
            pass
        c.log("CLOSED")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--pipelining", action="store_true")
    a = ap.parse_args()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(16)
    with open(os.path.join(a.dir, "ready.tmp"), "w") as f:
        f.write(str(os.getpid()))
    os.rename(os.path.join(a.dir, "ready.tmp"), os.path.join(a.dir, "ready"))
    while True:
        s, _ = ls.accept()
        threading.Thread(target=serve, args=(s, a.dir, a.tls, a.pipelining),
                         daemon=True).start()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        pass
