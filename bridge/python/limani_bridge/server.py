"""The protocol loop: read requests, run each lane on its own thread, write responses."""

import queue
import sys
import threading
import traceback

from . import PROTOCOL_VERSION
from .harbor import call, kind
from .values import dumps, loads, plain


class Server:
    def __init__(self, harbor, rev, name, out=None):
        self.harbor, self.rev, self.name = harbor, rev, name
        self.out = out or sys.stdout
        self.write_lock = threading.Lock()
        self.lanes = {}

    def send(self, message):
        line = dumps(message)
        with self.write_lock:
            self.out.write(line + "\n")
            self.out.flush()

    def respond(self, request):
        rid = request.get("id")
        try:
            result = call(self.harbor, self.rev, request["method"], request.get("params") or {})
            self.send({"id": rid, "ok": plain(result)})
        except Exception as exc:  # every harbor error goes back to the kit
            self.send({"id": rid, "error": {
                "type": type(exc).__name__, "kind": kind(exc),
                "message": str(exc), "traceback": traceback.format_exc(),
            }})

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
        self.send({"limani_bridge": PROTOCOL_VERSION, "harbor": self.name, "create_run": self.rev, "pid": _pid()})
        for line in stdin or sys.stdin:
            if not line.strip():
                continue
            try:
                request = loads(line)
                if not isinstance(request, dict):
                    raise ValueError("a request is a JSON object, not %s" % type(request).__name__)
            except Exception as exc:  # a bad line is answered, never the end of the harbor
                self.send({"id": None, "error": {"type": "ProtocolError", "kind": "storage",
                           "message": "not a request: %s" % exc, "traceback": ""}})
                continue
            if request.get("method") == "shutdown":
                self.send({"id": request.get("id"), "ok": None})
                return
            self.lane(request.get("lane", 0)).put(request)


def _pid():
    import os

    return os.getpid()
