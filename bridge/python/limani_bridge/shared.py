"""Memory shared with a ``limani serve`` process: one call at a time posted in it and answered in
it, with no pipe crossed (``docs/bridge-protocol.md``, "Shared memory"). A doorbell pipe each way
wakes a side that sleeps; a request too long for it, and other threads' calls, take the pipes.

Offered on Linux x86_64 only: its ordering of plain stores is what the layout relies on (a
length is written before the state byte that says it is there; a locked instruction, the one a
``threading.Lock`` makes, orders a flag's store before the other side's flag is read).
"""

import mmap
import os
import platform
import select
import socket
import struct
import threading
import time

ENV = "LIMANI_SERVE_SHARED"
SIZE = 4096 + 2 * (256 << 10)
HEADER = 4096
STATE, SERVER_SLEEPS, CLIENT_SLEEPS = 0, 1, 2
REQUEST_LEN, REPLY_LEN = 8, 12
IDLE, POSTED, ANSWERED, TAKEN = 0, 1, 2, 3
ON_THE_PIPE = 0xFFFFFFFF
SPIN_SECONDS = 500e-6
LOOK_AGAIN_MS = 100
_LOOKS = range(20)  # looks at the memory between looks at the clock

_U32 = struct.Struct("<I")


def offered():
    """Whether this machine gets the shared memory (else the pipes alone)."""
    return hasattr(os, "memfd_create") and platform.machine() in ("x86_64", "AMD64")


class Shared:
    """The client's side: made before the server starts, its descriptors passed to it."""

    def __init__(self, size=SIZE):
        self.cap = (size - HEADER) // 2
        self._memory = os.memfd_create("limani-serve", os.MFD_CLOEXEC)
        os.ftruncate(self._memory, size)
        self._map = mmap.mmap(self._memory, size)
        self._to_server = os.pipe()  # (the server's end, ours)
        self._to_client = os.pipe()  # (ours, the server's end)
        self._ordering = threading.Lock()
        self._watch = None

    def pass_fds(self):
        """The descriptors the server inherits."""
        return (self._memory, self._to_server[0], self._to_client[1])

    def env(self):
        """``$LIMANI_SERVE_SHARED`` for the server: ``MEMORY,IN,OUT``."""
        return "%d,%d,%d" % self.pass_fds()

    def started(self, server_output):
        """Closes the server's ends here; ``server_output`` (its stdout) tells when it is gone."""
        for fd in self.pass_fds():
            os.close(fd)
        self._watch = select.poll()
        self._watch.register(self._to_client[0], select.POLLIN)
        self._watch.register(server_output, 0)  # only its hang-up: the server gone

    def _fence(self):
        self._ordering.acquire()
        self._ordering.release()

    def call(self, line, gone):
        """Posts ``line`` and waits for its reply: its bytes, or ``None`` when the server wrote
        it on stdout (too long for the memory); ``gone()`` raises once the server is gone."""
        self.post(line, gone)
        return self.wait(gone)

    def post(self, line, gone):
        m = self._map
        n = len(line)
        m[HEADER:HEADER + n] = line
        _U32.pack_into(m, REQUEST_LEN, n)
        m[STATE] = POSTED
        self._fence()
        if m[SERVER_SLEEPS]:
            try:
                os.write(self._to_server[1], b"!")
            except OSError:  # its doorbell's other end closed: the server is gone
                gone()

    def wait(self, gone):
        m = self._map
        # The reply of a quick call comes sooner than a sleeping thread wakes: watch a moment.
        until = time.perf_counter() + SPIN_SECONDS
        while m[STATE] != ANSWERED and time.perf_counter() < until:
            pass
        if m[STATE] != ANSWERED:
            self._sleep(gone)
        n = _U32.unpack_from(m, REPLY_LEN)[0]
        reply = None if n == ON_THE_PIPE else m[HEADER + self.cap:HEADER + self.cap + n]
        m[STATE] = IDLE
        return reply

    def _sleep(self, gone):
        m = self._map
        m[CLIENT_SLEEPS] = 1
        self._fence()
        try:
            while m[STATE] != ANSWERED:
                for fd, events in self._watch.poll(LOOK_AGAIN_MS):
                    if fd == self._to_client[0]:
                        os.read(fd, 64)
                    elif m[STATE] != ANSWERED:
                        gone()
        finally:
            m[CLIENT_SLEEPS] = 0

    def close(self, started=True):
        """Closes this side's descriptors (and the server's, when it never started)."""
        theirs = () if started else self.pass_fds()
        for fd in (self._to_server[1], self._to_client[0]) + theirs:
            try:
                os.close(fd)
            except OSError:
                pass
        self._map.close()  # its own copy of the memory's descriptor: ours closed once it started


class LaneMemory:
    """A lane thread's side of the memory the kit posts that lane's calls in (the server's side
    of the same layout; ``bridge/src/process/memory.rs`` is the kit's). ``bell`` is the lane's
    doorbell socket, ``lane`` its socket: a line too long for the memory goes there."""

    def __init__(self, memory, bell, lane):
        size = os.fstat(memory).st_size
        self._map = mmap.mmap(memory, size)
        self._view = memoryview(self._map)
        os.close(memory)
        self.cap = (size - HEADER) // 2
        self._bell = bell
        self._lane = lane
        self._ordering = threading.Lock()
        self._sleeping = select.poll()
        self._sleeping.register(bell, select.POLLIN)
        self._sleeping.register(lane, select.POLLIN)

    def watch(self, seconds):
        """Watches the memory up to ``seconds`` for a call (``True``), with no system call: a
        line on the lane socket (rare: too long for the memory) waits for ``sleep``."""
        m, clock = self._map, time.perf_counter
        until = clock() + seconds
        while True:
            for _ in _LOOKS:
                if m[STATE] == POSTED:
                    return True
            if clock() >= until:
                return False

    def sleep(self):
        """Sleeps until a call is posted (``True``) or the lane socket has something: a line too
        long for the memory, or its end (``False``)."""
        m = self._map
        while True:
            m[SERVER_SLEEPS] = 1
            self._ordering.acquire()  # (a locked instruction: the flag is seen before we look)
            self._ordering.release()
            if m[STATE] == POSTED:
                m[SERVER_SLEEPS] = 0
                return True
            ready = self._sleeping.poll(LOOK_AGAIN_MS)
            m[SERVER_SLEEPS] = 0
            socket_ready = False
            for fd, events in ready:
                if fd == self._bell.fileno():
                    self._drain(events)
                else:
                    socket_ready = True
            if m[STATE] == POSTED:
                return True
            if socket_ready:
                return False

    def _drain(self, events):
        if events & (select.POLLHUP | select.POLLERR):
            self._sleeping.unregister(self._bell)  # the kit's end closed: the lane's socket ends too
            return
        try:
            while self._bell.recv(64, socket.MSG_DONTWAIT):
                pass
        except OSError:
            pass

    def request(self):
        """The posted call: ``(True, frame)``, a binary request's body (after its zero byte) as a
        view of the memory, read in place; or ``(False, line)``, its JSON line as bytes (no
        newline). The memory is the harbor's until it answers."""
        m = self._map
        n = min(_U32.unpack_from(m, REQUEST_LEN)[0], self.cap)
        m[STATE] = TAKEN
        if n and m[HEADER] == 0:
            return True, self._view[HEADER + 1:HEADER + n]
        return False, m[HEADER:HEADER + n]

    def answer(self, line):
        """Posts the reply ``line`` (bytes ending in a newline, or a binary frame), or says it comes
        on the lane socket and writes it there when it is too long for the memory."""
        m = self._map
        n = len(line) if line[0] == 0 else len(line) - 1
        fits = n <= self.cap
        if fits:
            at = HEADER + self.cap
            if n < self.cap:
                m[at:at + len(line)] = line  # (a line's newline too, past its length: no copy made)
            else:
                m[at:at + n] = memoryview(line)[:n]
            _U32.pack_into(m, REPLY_LEN, n)
        else:
            _U32.pack_into(m, REPLY_LEN, ON_THE_PIPE)
        m[STATE] = ANSWERED
        self._ordering.acquire()
        self._ordering.release()
        if m[CLIENT_SLEEPS]:
            try:
                self._bell.send(b"!", socket.MSG_DONTWAIT)
            except OSError:  # its end closed (the kit gave the lane up) or full (it rings already)
                pass
        if not fits:
            self._lane.sendall(line)

    def close(self):
        self._bell.close()
        self._view.release()
        self._map.close()
