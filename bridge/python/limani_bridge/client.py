"""The bridge protocol's client side: a ``limani serve`` process and the calls sent to it.

One server per harbor instance. Each Python thread is a lane of its own (the server runs a
lane's calls in order, on one thread of its own); a caller waits for its own reply, and reads
the server's output itself when no other caller is reading, so a lone thread's call is one
write and one read, with no hand-over between threads.
"""

import collections
import itertools
import json
import os
import select
import subprocess
import tempfile
import threading
import time

from . import PROTOCOL_VERSION
from . import shared as shared_memory
from .errors import DuplicateRun, InvalidStatus, InvalidValue, LimaniError, UnknownHost, UnknownRun
from .values import line as protocol_line, loads_text, number

_KINDS = {
    "unknown_run": UnknownRun,
    "unknown_host": UnknownHost,
    "duplicate_run": DuplicateRun,
    "invalid_status": InvalidStatus,
    "invalid_value": InvalidValue,
    "storage": LimaniError,
}

STDERR_LINES = 12
SPIN_SECONDS = 500e-6


class ServerGone(LimaniError):
    """The ``limani serve`` process of a harbor ended: no call can be answered any more."""


class Server:
    """A ``limani serve`` process serving ``target``; ``call`` sends it one call and waits."""

    def __init__(self, program, target, name, shared=None):
        self.name = name
        self._stderr = tempfile.TemporaryFile()
        env = dict(os.environ, LIMANI_SERVE_TARGET=target)  # a password stays off the command line
        if shared is None:
            shared = shared_memory.offered()
        self._shared = self._memory = _shared_memory() if shared else None
        if self._shared is not None:
            env[shared_memory.ENV] = self._shared.env()
        # Its own session: a Ctrl-C at the terminal is the Logbook's to handle (it still ends the
        # run through this server); the server ends when its stdin closes, as when this process does.
        try:
            self._process = subprocess.Popen(
                [program, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                env=env, close_fds=True, start_new_session=True,
                pass_fds=self._shared.pass_fds() if self._shared is not None else (),
            )
        except BaseException:
            if self._memory is not None:
                self._memory.close(started=False)
            raise
        if self._shared is not None:
            self._shared.started(self._process.stdout)
        # One call at a time goes through the shared memory; another thread's meanwhile, the pipes.
        self._shared_turn = threading.Lock()
        self._out = self._process.stdin
        self._in = self._process.stdout
        self._watch = select.poll()
        self._watch.register(self._in, select.POLLIN)
        self._ids = itertools.count(1)
        self._lanes = itertools.count(1)
        self._local = threading.local()
        self._write = threading.Lock()
        self._turn = threading.Condition()
        self._reading = False
        self._replies = {}
        self._gone = None
        hello = self._in.readline()
        try:
            hello = json.loads(hello)
        except ValueError:
            hello = None
        if not isinstance(hello, dict) or hello.get("limani_bridge") != PROTOCOL_VERSION:
            self._end("it did not start")
            self.close()
            raise self._gone
        self.pid = hello.get("pid") or self._process.pid
        if not hello.get("shared_memory"):
            self._shared = None  # it did not take it: the pipes alone (closed with the server)

    def call(self, method, params):
        """The ``ok`` of the reply to ``method``; raises what the server's error names.
        ``params`` is a dict, or its JSON text already made (ASCII)."""
        lane = getattr(self._local, "lane", None)
        if lane is None:
            lane = self._local.lane = next(self._lanes)
        rid = next(self._ids)
        if type(params) is str:
            line = ('{"id":%d,"lane":%d,"method":"%s","params":%s}\n' % (rid, lane, method, params)).encode("ascii")
        else:
            line = protocol_line({"id": rid, "lane": lane, "method": method, "params": params})
        if self._gone:
            raise self._gone
        shared = self._shared
        if shared is not None and len(line) <= shared.cap and self._shared_turn.acquire(False):
            try:
                reply = shared.call(line, self._gone_now)
            except BaseException:
                # Interrupted mid-call (a Ctrl-C, say): the memory's turn is lost, the pipes stay.
                self._shared = None
                raise
            finally:
                self._shared_turn.release()
            return _result(_read_reply(reply) if reply is not None else self._reply(rid), method)
        try:
            with self._write:
                self._out.write(line)
                self._out.flush()
        except (OSError, ValueError):
            self._end("it stopped reading")
        return _result(self._reply(rid), method)

    def _reply(self, rid):
        with self._turn:
            while True:
                if rid in self._replies:
                    return self._replies.pop(rid)
                if self._gone:
                    raise self._gone
                if not self._reading:
                    break
                self._turn.wait()
            self._reading = True
        while True:
            # The reply of a quick call comes sooner than a sleeping thread wakes: watch a moment.
            until = time.perf_counter() + SPIN_SECONDS
            while not self._watch.poll(0) and time.perf_counter() < until:
                pass
            try:
                line = self._in.readline()
            except (OSError, ValueError):
                line = b""
            with self._turn:
                if not line:
                    self._reading = False
                    self._end("it ended")
                    raise self._gone
                reply = _read_reply(line)
                if reply.get("id") == rid:
                    self._reading = False
                    self._turn.notify_all()
                    return reply
                self._replies[reply.get("id")] = reply
                self._turn.notify_all()

    def _gone_now(self):
        self._end("it ended")
        raise self._gone

    def _end(self, how):
        """Marks the server gone (with the last lines it wrote to stderr) and wakes every caller."""
        with self._turn:
            if self._gone:
                return
            status = self._process.poll()
            if status is None:
                self._process.kill()
                status = self._process.wait()
            self._stderr.seek(0)
            tail = collections.deque(self._stderr.read().decode("utf-8", "replace").splitlines(), STDERR_LINES)
            said = ("; its last words:\n  " + "\n  ".join(tail)) if tail else ""
            self._gone = ServerGone("the limani serve process of %s is gone (%s, exit status %s)%s"
                                    % (self.name, how, status, said))
            self._turn.notify_all()

    def close(self):
        """Shuts the server down (it answers, then exits); kills it if it does not."""
        if self._gone is None:
            try:
                self.call("shutdown", {})
            except LimaniError:
                pass
        for pipe in (self._out, self._in):
            try:
                pipe.close()
            except OSError:
                pass
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._stderr.close()
        memory, self._memory, self._shared = self._memory, None, None
        if memory is not None:
            memory.close()


def _shared_memory():
    """A memory to share with the server, or None where this machine will not make one (the
    pipes then carry every call)."""
    try:
        return shared_memory.Shared()
    except OSError:
        return None


def _read_reply(line):
    """A reply line, non-finite floats made floats again (looked for only where one is marked)."""
    if b'"$float"' in line:
        return json.loads(line, object_hook=number)
    return loads_text(line.decode("utf-8"))


def _result(reply, method):
    if "error" not in reply:
        return reply.get("ok")
    error = reply["error"] or {}
    cls = _KINDS.get(error.get("kind"), LimaniError)
    raise cls("%s: %s" % (method, error.get("message", "the harbor failed")))
