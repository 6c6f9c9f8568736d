"""The protocol loop: read requests, run each lane on its own thread, write responses.

A harbor the fork server forked also takes lanes as sockets of their own (``lanes``, a Unix
socket on which the kit sends one per lane): each lane's thread then reads its requests and
writes its replies itself, with no hand-over between threads; where this machine can share
memory (``shared.offered``), each lane also takes a memory its calls are posted in."""

import marshal
import os
import queue
import select
import socket
import sys
import threading
import time
import traceback

from . import PROTOCOL_VERSION
from .harbor import call, kind
from .shared import LaneMemory, offered
from .values import line as protocol_line, loads, reply


SPIN_SECONDS = 50e-6


class Server:
    def __init__(self, harbor, rev, name, out=None, lanes=None):
        self.harbor, self.rev, self.name = harbor, rev, name
        self.out = out or sys.stdout
        self.lane_sockets = lanes
        self.awake = 0  # lane threads not sleeping on their socket
        self.write_lock = threading.Lock()
        self.lanes = {}
        # Lanes answer in binary frames where a result allows (``LIMANI_LANE_MARSHAL=0``: JSON only).
        self.binary = os.environ.get("LIMANI_LANE_MARSHAL") != "0"

    def send(self, message):
        self.send_line(protocol_line(message))

    def send_line(self, line):
        with self.write_lock:
            self.out.write(line.decode("utf-8"))
            self.out.flush()

    def answer(self, request, binary=False, kept=None):
        """The reply line to a request, as bytes; a binary frame instead where ``binary`` and the
        result allow (lanes only: the kit reads frames there), its result then ``kept`` (a
        lane's list: ``[id, result]``) for a ``reply_again``."""
        rid = request.get("id")
        if kept:
            kept.clear()
        try:
            result = call(self.harbor, self.rev, request["method"], request.get("params") or {})
            answer = reply(rid, result, framed=binary)
            if kept is not None and answer[:1] == b"\x00":
                kept[:] = [rid, result]
            return answer
        except Exception as exc:  # every harbor error goes back to the kit
            return _error_line(rid, exc)

    def again(self, request, kept):
        """The lane's last binary reply written again as its JSON reply: the kit could not read
        that frame (a set, bytes, a tuple as a key, ...), and JSON says what it is."""
        rid = request.get("id")
        if not kept or kept[0] != rid:
            return _error_line(rid, LookupError("no binary reply of request %r to write again" % rid))
        result = kept.pop()
        kept.clear()
        try:
            return reply(rid, result)
        except Exception as exc:  # (what the JSON reply of the result raises, as it was)
            return _error_line(rid, exc)

    def respond(self, request):
        self.send_line(self.answer(request))

    def open_lanes(self):
        """Serves each lane socket the kit sends (with its memory and doorbell, if it sends them),
        on a thread of its own, until the kit is gone."""
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self.lane_sockets, 64, 3)
            except OSError:
                return
            if not data:
                return
            for fd in fds:
                os.set_inheritable(fd, False)
            if not fds:
                continue
            lane = socket.socket(fileno=fds[0])
            memory = None
            if len(fds) == 3:
                memory = LaneMemory(fds[1], socket.socket(fileno=fds[2]), lane)
            else:
                for fd in fds[1:]:
                    os.close(fd)
            name = "limani lane %s" % data.decode("ascii", "replace")
            threading.Thread(target=self.serve_lane, args=(lane, memory), name=name, daemon=True).start()

    def serve_lane(self, lane, memory=None):
        watch = select.poll()
        watch.register(lane, select.POLLIN)
        self.awake += 1  # (under the GIL; a count off by one only changes who watches)
        reader = lane.makefile("rb")
        kept = []  # the last result answered in a frame: [id, result]
        line = request = None
        try:
            while True:
                framed, line = self.next_call(watch, memory, reader)
                if line is None:
                    return
                try:
                    request = _request(line, framed)
                    if request.get("method") == "reply_again":
                        answer = self.again(request, kept)
                    else:
                        answer = self.answer(request, self.binary, kept)
                except Exception as exc:  # a bad line is answered, never the end of the lane
                    answer = protocol_line(_not_a_request(exc))
                line = request = None  # (freed now, while the kit reads the reply)
                if framed is not None:
                    memory.answer(answer)
                else:
                    lane.sendall(answer)
        except OSError:  # the kit closed the lane, or is gone
            pass
        finally:
            line = None  # (a view of the memory, released before it closes)
            self.awake -= 1
            lane.close()
            if memory is not None:
                memory.close()

    def next_call(self, watch, memory, reader):
        """The lane's next call: ``(framed, data)`` as ``LaneMemory.request`` gives it when it is
        posted in the memory, ``(None, line)`` when it comes on the lane socket, ``(None, None)``
        at the socket's end. A kit thread calls again soon after a reply: a lane alone watches
        for a moment before sleeping, sooner answered than a sleeping thread wakes (tens of
        microseconds); lanes watching at once would only take turns at the GIL."""
        alone = self.awake == 1
        self.awake -= 1
        try:
            if memory is not None:
                if (alone and memory.watch(SPIN_SECONDS)) or memory.sleep():
                    return memory.request()
            elif alone:
                until = time.perf_counter() + SPIN_SECONDS
                while not watch.poll(0) and time.perf_counter() < until:
                    pass
            return None, reader.readline() or None
        finally:
            self.awake += 1

    def lane(self, number):
        if number not in self.lanes:
            jobs = queue.Queue()

            def work():
                while True:
                    request = jobs.get()
                    if request is None:
                        return
                    self.respond(request)

            thread = threading.Thread(target=work, name="limani lane %s" % number, daemon=True)
            thread.start()
            self.lanes[number] = jobs
        return self.lanes[number]

    def serve(self, stdin=None):
        hello = {"limani_bridge": PROTOCOL_VERSION, "harbor": self.name, "create_run": self.rev, "pid": os.getpid()}
        if self.lane_sockets is not None:
            threading.Thread(target=self.open_lanes, name="limani lanes", daemon=True).start()
            hello["lane_sockets"] = True
            # (``LIMANI_LANE_MEMORY=0``: sockets alone, as where memory is not offered)
            hello["lane_memory"] = offered() and os.environ.get("LIMANI_LANE_MEMORY") != "0"
            # (requests posted in it in binary, as its replies are)
            hello["lane_marshal"] = hello["lane_memory"] and self.binary
        self.send(hello)
        for line in stdin or sys.stdin:
            if not line.strip():
                continue
            try:
                request = _request(line)
            except Exception as exc:  # a bad line is answered, never the end of the harbor
                self.send(_not_a_request(exc))
                continue
            if request.get("method") == "shutdown":
                self.send({"id": request.get("id"), "ok": None})
                return
            self.lane(request.get("lane", 0)).put(request)


def _request(line, framed=False):
    """A request read: a JSON line, or where ``framed`` (posted in a lane's memory) the body of
    a binary request, ``marshal`` of the same dict after the frame's zero byte
    (``bridge/src/binary_request.rs``); a dict, else ValueError."""
    request = marshal.loads(line) if framed else loads(line)
    if not isinstance(request, dict):
        raise ValueError("a request is a JSON object, not %s" % type(request).__name__)
    return request


def _error_line(rid, exc):
    """The reply line of an error a call raised (its traceback the one being handled)."""
    return protocol_line({"id": rid, "error": {
        "type": type(exc).__name__, "kind": kind(exc),
        "message": str(exc), "traceback": traceback.format_exc(),
    }})


def _not_a_request(exc):
    """The reply to a line that is not a request."""
    return {"id": None, "error": {"type": "ProtocolError", "kind": "storage",
            "message": "not a request: %s" % exc, "traceback": ""}}
