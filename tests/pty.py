#!/usr/bin/python3
"""pty.py [--cols N] [--stdin-tty TEXT] CMD ARGS...: run CMD with its
standard output on a pseudo-terminal (N columns wide, default 80), as a
person at a terminal runs it; print what it wrote, exit with its status.
With --stdin-tty, standard input is the terminal too and TEXT is typed
(the answer to a question).  Standard error is passed through.
pty.py --ctty TEXT CMD ARGS...: the other way round, as a person pipes
into CMD at a terminal: standard input and output stay pipes, standard
error and the controlling terminal (/dev/tty) are the pseudo-terminal,
TEXT is typed on it; what appeared on the terminal goes to our standard
error."""
import fcntl
import os
import struct
import subprocess
import sys
import termios
import tty

args = sys.argv[1:]
cols, typed, ctty = 80, None, False
while args and args[0].startswith("--"):
    if args[0] == "--cols":
        cols = int(args[1])
    elif args[0] == "--stdin-tty":
        typed = args[1]
    elif args[0] == "--ctty":
        typed, ctty = args[1], True
    args = args[2:]
master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
tty.setraw(slave)  # no CR added to a newline, no echo of what is typed
if ctty:
    def own_terminal():
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    proc = subprocess.Popen(args, stderr=slave, start_new_session=True,
                            pass_fds=(slave,), preexec_fn=own_terminal)
else:
    proc = subprocess.Popen(args, stdout=slave,
                            stdin=slave if typed is not None else None)
os.close(slave)
if typed is not None:
    os.write(master, typed.encode())
out = b""
while True:
    try:
        data = os.read(master, 65536)
    except OSError:  # EIO: the last writer closed the terminal
        break
    if not data:
        break
    out += data
(sys.stderr if ctty else sys.stdout).buffer.write(out)
sys.exit(proc.wait())
