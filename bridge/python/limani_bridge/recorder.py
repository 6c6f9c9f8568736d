"""A recording harbor: stands between the Ch-aOS Logbook and a real harbor and writes every call.

Registered as the ``limani-recorder`` entry point in ``chaos.limanis``. Ch-aOS builds it as
``Recorder(global_config)``; it builds the real harbor named by the config key ``record_inner``
(an entry-point name in ``chaos.limanis`` or ``module:Class``) with the same config dict, forwards
every call to it unchanged and appends one JSON line per call to the trace file (``record_to``,
else ``$LIMANI_RECORD_TO``). The trace format is ``docs/trace-format.md`` (version 1).

Pure standard library: it runs inside the Logbook's own interpreter.
"""

import importlib
import inspect
import os
import platform
import time

from .trace import TRACE_VERSION, Trace, as_typed as _plain, recorded as _recorded, signature_of as _signature, typed

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
