"""A recording harbor: stands between the Ch-aOS Logbook and a real harbor and writes every call.

Registered as the ``limani-recorder`` entry point in ``chaos.limanis``. Ch-aOS builds it as
``Recorder(global_config)``; it builds the real harbor named by the config key ``record_inner``
(an entry-point name in ``chaos.limanis`` or ``module:Class``) with the same config dict, forwards
every call to it unchanged and appends one JSON line per call to the trace file (``record_to``,
else ``$LIMANI_RECORD_TO``). The trace format is ``docs/trace-format.md`` (version 1).

Pure standard library: it runs inside the Logbook's own interpreter.
"""

import _thread
import base64
import importlib
import inspect
import json
import math
import os
import platform
import sys
import threading
import time
import weakref

TRACE_VERSION = 1
# Made once: json.dumps with options not its defaults makes a new encoder per call.
_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
RECORDER = "limani-bridge 0.1.0"

METHODS = (
    "connect",
    "disconnect",
    "init_db",
    "create_run",
    "start_update_run",
    "end_run_update",
    "get_or_create_host",
    "insert_operation",
    "insert_snapshot",
    "insert_fact_log",
    "get_facts_for_timespan",
    "get_run_summary_stats",
    "get_run_data",
)


# ---------------------------------------------------------------- values


def encode(value):
    """A Python value as trace JSON: JSON types as themselves, the others as ``$``-tagged objects."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return {"$float": "nan"}
        if math.isinf(value):
            return {"$float": "inf" if value > 0 else "-inf"}
        return float(value)
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            if value and all(k.startswith("$") for k in value):
                # Would read back as a tag: escaped.
                return {"$dict": [[k, encode(v)] for k, v in value.items()]}
            return {k: encode(v) for k, v in value.items()}
        return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        try:
            items = sorted(value)
        except TypeError:
            items = list(value)
        return {"$set": [encode(v) for v in items]}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    return {"$repr": repr(value), "$type": type(value).__name__}


def typed(value):
    return {"type": type(value).__name__, "value": encode(value)}


# ---------------------------------------------------------------- lanes


def _original_get_ident():
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None:
        try:
            if monkey.is_module_patched("thread") or monkey.is_module_patched("_thread"):
                return monkey.get_original("_thread", "get_ident")
        except Exception:
            pass
    return _thread.get_ident


class _Lanes:
    """Names the running OS thread (``main``, ``thread-N``) and, if one runs, the greenlet (``/greenlet-K``)."""

    def __init__(self):
        self.get_ident = _original_get_ident()
        self.main = threading.main_thread().ident
        self.threads = {}
        try:
            self.greenlets = weakref.WeakKeyDictionary()
        except Exception:  # pragma: no cover
            self.greenlets = {}
        self.greenlet_count = 0

    def current(self):
        """Called with the recorder's lock held."""
        ident = self.get_ident()
        if ident == self.main:
            name = "main"
        else:
            if ident not in self.threads:
                self.threads[ident] = "thread-%d" % (len(self.threads) + 1)
            name = self.threads[ident]
        module = sys.modules.get("greenlet")
        if module is not None:
            try:
                current = module.getcurrent()
                if current.parent is not None:
                    try:
                        number = self.greenlets.get(current)
                    except TypeError:
                        number = None
                    if number is None:
                        self.greenlet_count += 1
                        number = self.greenlet_count
                        try:
                            self.greenlets[current] = number
                        except TypeError:
                            pass
                    name += "/greenlet-%d" % number
            except Exception:
                pass
        return name


# ---------------------------------------------------------------- the trace


class Trace:
    def __init__(self, path, header):
        self.lock = threading.Lock()
        self.file = open(path, "a", encoding="utf-8")
        self.started = header["started"]
        # Offsets come from a clock that never steps back (time.time() can), so that the
        # calls of one lane keep their order by start and end.
        self.monotonic = time.monotonic()
        self.seq = 0
        self.lanes = _Lanes()
        self.handles = {}
        self._write(header)

    def _write(self, obj):
        self.file.write(_ENCODE(obj) + "\n")
        self.file.flush()

    def begin(self):
        with self.lock:
            seq = self.seq
            self.seq += 1
            lane = self.lanes.current()
            return seq, lane, time.monotonic() - self.monotonic

    def handle(self, kind):
        with self.lock:
            number = self.handles.get(kind, 0) + 1
            self.handles[kind] = number
            return "%s-%d" % (kind, number)

    def end(self, entry):
        entry["end"] = time.monotonic() - self.monotonic
        with self.lock:
            self._write(entry)


def _args(signature, args, kwargs):
    """The call's arguments in call order, named after the callee's parameters."""
    positional = []
    var_positional = None
    if signature is not None:
        for p in signature.parameters.values():
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                positional.append(p.name)
            elif p.kind == p.VAR_POSITIONAL:
                var_positional = p.name
    out = []
    for i, value in enumerate(args):
        if i < len(positional):
            name = positional[i]
        elif var_positional:
            name = "*%s[%d]" % (var_positional, i - len(positional))
        else:
            name = "*%d" % i
        out.append({"name": name, "type": type(value).__name__, "value": encode(value)})
    for key, value in kwargs.items():
        out.append({"name": key, "type": type(value).__name__, "value": encode(value)})
    return out


def _signature(func):
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        return None


def _recorded(trace, method, func, args, kwargs, wrap_result, signature=None):
    """Calls ``func`` and writes the line; ``wrap_result(result) -> (returned, recorded result)``."""
    seq, lane, start = trace.begin()
    entry = {
        "seq": seq,
        "lane": lane,
        "method": method,
        "shape": {"positional": len(args), "keywords": list(kwargs)},
        "args": _args(signature if signature is not None else _signature(func), args, kwargs),
    }
    entry["start"] = start
    try:
        result = func(*args, **kwargs)
    except BaseException as exc:
        entry["error"] = {"type": type(exc).__name__, "message": str(exc)}
        _reorder(entry)
        trace.end(entry)
        raise
    returned, recorded = wrap_result(result)
    entry["result"] = recorded
    _reorder(entry)
    trace.end(entry)
    return returned


def _reorder(entry):
    """Keys in the documented order: ..., result|error, start (end is added last)."""
    start = entry.pop("start")
    entry["start"] = start


def _plain(result):
    return result, typed(result)


# ---------------------------------------------------------------- proxies of connect()


def _proxy(trace, value, kind_hint=None):
    """Wraps connection-like results so that their uses are recorded too."""
    if value is None or isinstance(value, (bool, int, float, str, bytes, dict, list, tuple, set, frozenset)):
        return value, typed(value)
    kind = kind_hint or _kind(value)
    if kind is None:
        return value, typed(value)
    handle = trace.handle(kind)
    proxy = {"conn": _Connection, "cursor": _Cursor, "row": _Row}[kind](trace, value, handle)
    return proxy, {"type": type(value).__name__, "handle": handle}


def _kind(value):
    if hasattr(value, "fetchone") and hasattr(value, "execute") and not hasattr(value, "commit"):
        return "cursor"
    if hasattr(value, "execute"):
        return "conn"
    if hasattr(value, "fetchone"):
        return "cursor"
    if hasattr(value, "keys") and hasattr(value, "__getitem__"):
        return "row"
    return None


def _names(*names):
    return inspect.Signature([inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])


# DB-API methods are often built-ins without a signature: the names the trace gives their arguments.
_PROXY_SIGNATURES = {
    "execute": _names("sql", "params"),
    "executemany": _names("sql", "seq_of_params"),
    "executescript": _names("sql_script"),
    "fetchmany": _names("size"),
    "__getitem__": _names("key"),
}


class _Proxy:
    __slots__ = ("_trace", "_target", "_handle")

    def __init__(self, trace, target, handle):
        object.__setattr__(self, "_trace", trace)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_handle", handle)

    def _call(self, name, args, kwargs, wrap=None):
        func = getattr(self._target, name)
        return _recorded(self._trace, "%s.%s" % (self._handle, name), func, args, kwargs,
                         wrap or (lambda r: _proxy(self._trace, r)), _PROXY_SIGNATURES.get(name))

    def __getattr__(self, name):
        value = getattr(self._target, name)
        if callable(value):
            def call(*args, **kwargs):
                return self._call(name, args, kwargs)
            return call
        return value

    def __setattr__(self, name, value):
        setattr(self._target, name, value)

    def __repr__(self):
        return "<recorded %s %r>" % (self._handle, self._target)


class _Connection(_Proxy):
    __slots__ = ()

    def execute(self, *args, **kwargs):
        return self._call("execute", args, kwargs, lambda r: _proxy(self._trace, r, "cursor"))

    def cursor(self, *args, **kwargs):
        return self._call("cursor", args, kwargs, lambda r: _proxy(self._trace, r, "cursor"))

    def __enter__(self):
        return self._call("__enter__", (), {}, lambda r: (self, {"type": type(r).__name__, "handle": self._handle}))

    def __exit__(self, *exc):
        return self._call("__exit__", exc, {}, _plain)


class _Cursor(_Proxy):
    __slots__ = ()

    def execute(self, *args, **kwargs):
        return self._call("execute", args, kwargs, lambda r: (self, {"type": type(r).__name__, "handle": self._handle}))

    def fetchone(self, *args, **kwargs):
        return self._call("fetchone", args, kwargs, lambda r: self._row(r))

    def fetchall(self, *args, **kwargs):
        return self._call("fetchall", args, kwargs, self._rows)

    def fetchmany(self, *args, **kwargs):
        return self._call("fetchmany", args, kwargs, self._rows)

    def _row(self, row):
        if row is None:
            return None, {"type": "NoneType", "value": None}
        return _proxy(self._trace, row, "row" if _kind(row) == "row" or isinstance(row, tuple) else None)

    def _rows(self, rows):
        proxies, handles = [], []
        for row in rows:
            proxy, recorded = self._row(row)
            proxies.append(proxy)
            handles.append(recorded.get("handle"))
        return proxies, {"type": type(rows).__name__, "handles": handles}

    def __iter__(self):
        rows = self.fetchall()
        return iter(rows)


class _Row(_Proxy):
    __slots__ = ()

    def __getitem__(self, key):
        return self._call("__getitem__", (key,), {}, _plain)

    def keys(self):
        return self._call("keys", (), {}, _plain)

    def __len__(self):
        return self._call("__len__", (), {}, _plain)

    def __iter__(self):
        return iter(self._call("__iter__", (), {}, lambda r: _plain(list(r))))

    def __eq__(self, other):
        return self._target == (other._target if isinstance(other, _Row) else other)

    def __hash__(self):
        return hash(self._target)

    def __bool__(self):
        return True


# ---------------------------------------------------------------- the harbor


def _load_inner(name):
    if ":" in name:
        module_name, _, class_name = name.partition(":")
        obj = importlib.import_module(module_name)
        for part in class_name.split("."):
            obj = getattr(obj, part)
        return obj
    from importlib import metadata

    points = metadata.entry_points()
    group = points.select(group="chaos.limanis") if hasattr(points, "select") else points.get("chaos.limanis", [])
    for point in group:
        if point.name == name:
            return point.load()
    raise ValueError("limani-recorder: no harbor named %r in the entry-point group chaos.limanis "
                     "(record_inner takes an entry-point name or module:Class)" % name)


def _version(dist):
    try:
        from importlib import metadata

        return metadata.version(dist)
    except Exception:
        return None


class Recorder:
    """Records every call the Logbook makes to the harbor named by ``record_inner``."""

    def __init__(self, config):
        self.config = config if config is not None else {}
        self.werehouse = self.config.get("werehouse", "") if hasattr(self.config, "get") else ""
        inner_name = self.config.get("record_inner") if hasattr(self.config, "get") else None
        if not inner_name:
            raise ValueError("limani-recorder: set record_inner (an entry-point name in chaos.limanis, "
                             "or module:Class) in the Ch-aOS config")
        path = (self.config.get("record_to") if hasattr(self.config, "get") else None) or os.environ.get("LIMANI_RECORD_TO")
        if not path:
            raise ValueError("limani-recorder: set record_to in the Ch-aOS config or $LIMANI_RECORD_TO "
                             "(the trace file to append to)")
        scenario = (self.config.get("record_scenario") if hasattr(self.config, "get") else None) \
            or os.environ.get("LIMANI_RECORD_SCENARIO") or None
        inner_class = _load_inner(str(inner_name))
        self.inner = inner_class(config)
        header = {
            "limani_recording": TRACE_VERSION,
            "recorder": RECORDER,
            "chaos": _version("chaos"),
            "pyinfra": _version("pyinfra"),
            "python": platform.python_version(),
            "harbor": str(inner_name),
            "scenario": scenario,
            "started": time.time(),
        }
        self.trace = Trace(str(path), header)
        for name in METHODS:
            target = getattr(self.inner, name, None)
            if target is not None:
                object.__setattr__(self, name, self._forwarder(name, target))

    def _forwarder(self, name, target):
        trace = self.trace
        signature = _signature(target)
        wrap = (lambda r: _proxy(trace, r, "conn")) if name == "connect" else _plain

        def forward(*args, **kwargs):
            return _recorded(trace, name, target, args, kwargs, wrap, signature)

        forward.__name__ = forward.__qualname__ = name
        forward.__doc__ = getattr(target, "__doc__", None)
        if signature is not None:
            forward.__signature__ = signature
        return forward

    def __getattr__(self, name):
        # Anything else the Logbook might use: forwarded, and recorded when called.
        if name in ("inner", "trace", "config") or name.startswith("__"):
            raise AttributeError(name)
        value = getattr(self.inner, name)
        if callable(value):
            return self._forwarder(name, value)
        return value
