"""The fork server: the harbor's module imported once, then a fresh harbor process per request.

The kit sends one message per harbor on stdin, a SOCK_SEQPACKET Unix socket, with four file
descriptors (the new process's stdin, stdout, stderr, and a socket for its lanes); the server forks a child that serves a
new instance of the harbor on them (requests on stdin, replies on stdout, the rest on stderr), in a process group of its own, and answers
``{"spawned": pid}``. When a child ends it says ``{"exited": pid, "status": wait_status}``. At
the end of its socket (the kit is gone) it kills every child it still has, and exits.
"""

import atexit
import os
import random
import select
import signal
import socket
import sys
import traceback

from .values import dumps


def serve_forks(serve):
    control = socket.socket(fileno=0)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children = set()

    def say(message):
        control.send(dumps(message).encode())

    def reap():
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            children.discard(pid)
            say({"exited": pid, "status": status})

    say({"fork_server": 1, "pid": os.getpid()})
    try:
        while True:
            ready, _, _ = select.select([control, wake_read], [], [])
            if wake_read in ready:
                os.read(wake_read, 4096)
                reap()
            if control not in ready:
                continue
            data, fds, _, _ = socket.recv_fds(control, 4096, 4)
            if not data:
                return 0
            if len(fds) != 4:
                for fd in fds:
                    os.close(fd)
                say({"error": "a spawn request carries 4 file descriptors, not %d" % len(fds)})
                continue
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _child(control, (wake_read, wake_write), fds, serve)
            try:
                os.setpgid(pid, pid)  # the child does it too: whichever runs first
            except OSError:
                pass
            for fd in fds:
                os.close(fd)
            children.add(pid)
            say({"spawned": pid})
            reap()
    finally:
        for pid in children:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass


def _child(control, wake, fds, serve):
    """The harbor process: the fork server's state dropped, then the harbor served as
    ``python3 -m limani_bridge`` would; it never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in wake:
            os.close(fd)
        control.detach()  # fd 0 becomes the new stdin below
        stdin, stdout, stderr, lanes = fds
        os.dup2(stdin, 0)
        os.dup2(stderr, 1)  # what the harbor prints goes to its stderr, as under __main__
        os.dup2(stderr, 2)
        os.close(stdin)
        os.close(stderr)
        os.set_inheritable(stdout, False)
        os.set_inheritable(lanes, False)
        random.seed()  # not the same random numbers as every sibling
        code = serve(stdout, socket.socket(fileno=lanes))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        # As at a normal interpreter exit: the harbor's atexit handlers, then the streams.
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
