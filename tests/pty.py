#!/usr/bin/python3
"""pty.py [--cols N] [--stdin-tty TEXT] CMD ARGS...: run CMD with its
standard output on a pseudo-terminal (N columns wide, default 80), as a
person at a terminal runs it; print what it wrote, exit with its status.
With --stdin-tty, standard input is the terminal too and TEXT is typed
(the answer to a question).  Standard error is passed through."""
import fcntl
import os
import struct
import subprocess
import sys
import termios
import tty

args = sys.argv[1:]
cols, typed = 80, None
while args and args[0].startswith("--"):
    if args[0] == "--cols":
        cols = int(args[1])
    elif args[0] == "--stdin-tty":
        typed = args[1]
    args = args[2:]
master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
tty.setraw(slave)  # no CR added to a newline, no echo of what is typed
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
sys.stdout.buffer.write(out)
sys.exit(proc.wait())
