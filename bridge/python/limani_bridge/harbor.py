"""Finding a harbor, building it, and calling it as the Logbook does."""

import importlib
import inspect
import sys

from .values import number, payload


BUILT_IN = {"limani-sqlite": "LimaniSqlite", "limani-postgres": "LimaniPostgres"}


def load_class(plugin=None, entry_point=None, python_path=()):
    """The harbor class named ``module:Class``, or registered under ``chaos.limanis``."""
    for folder in reversed(python_path):
        sys.path.insert(0, folder)
    if plugin:
        module_name, _, class_name = plugin.partition(":")
        if not class_name:
            raise SystemExit("--plugin takes module:Class, not %r" % plugin)
        return getattr(importlib.import_module(module_name), class_name), plugin
    from importlib import metadata

    points = metadata.entry_points()
    group = points.select(group="chaos.limanis") if hasattr(points, "select") else points.get("chaos.limanis", [])
    for point in group:
        if point.name == entry_point:
            return point.load(), "%s (%s)" % (entry_point, point.value)
    # The kit's own plugins, also where this package is not installed (the kit embeds it).
    if entry_point in BUILT_IN:
        from . import plugins

        return getattr(plugins, BUILT_IN[entry_point]), "%s (limani_bridge.plugins, built in)" % entry_point
    raise SystemExit("no harbor named %r in the entry-point group chaos.limanis" % entry_point)


def revision(harbor):
    """``chaos07`` when create_run takes the fifth argument (the needed secrets), else ``seed``."""
    params = [
        p
        for p in inspect.signature(harbor.create_run).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return "chaos07" if len(params) >= 5 else "seed"


def call(harbor, rev, method, params):
    """Calls ``method`` exactly as the Ch-aOS 0.7 Logbook does: ``create_run``, the status updates
    and the reads positionally; the writer thread's queued writes by keyword, with the seed's
    parameter names; Python types as the Logbook passes them (``set``, ``bool``, ``int``, ``float``)."""
    if method == "logbook_status":
        # Exactly what the Logbook's end_run does with the harbor's connection: it reads the row by name.
        row = harbor.connect().execute("SELECT status FROM runs WHERE id = ?", (params["run_id"],)).fetchone()
        return None if row is None else row["status"]
    if method in ("connect", "disconnect", "init_db"):
        getattr(harbor, method)()
        return None
    if method == "create_run":
        run = params["run"]
        args = [run["run_id"], run["run_id_human"], number(run["start_time"]), payload(run["hailer_info"])]
        # Ch-aOS 0.7 passes the secrets as a set; a run without the list (a logbook of Ch-aOS
        # before 0.7, imported) is created as that older Logbook did, with four arguments.
        if rev == "chaos07" and run["required_secrets"] is not None:
            args.append(set(run["required_secrets"]))
        return harbor.create_run(*args)
    if method == "start_update_run":
        return harbor.start_update_run(params["run_id"], params["status"])
    if method == "end_run_update":
        return harbor.end_run_update(params["run_id"], number(params["end_time"]), params["status"], payload(params["summary"]))
    if method == "get_or_create_host":
        return harbor.get_or_create_host(params["run_id"], params["host_name"])
    if method == "insert_operation":
        o = params["operation"]
        return harbor.insert_operation(
            run_id=o["run_id"], host_id=o["host_id"], op_hash=o["op_hash"], name=o["name"],
            changed=bool(o["changed"]), success=bool(o["success"]), duration=number(o["duration"]),
            timestamp=number(o["timestamp"]), logs=payload(o["logs"]), diff=o["diff"], arguments=payload(o["arguments"]),
            retry_stats=payload(o["retry_stats"]), command_n_facts=payload(o["command_n_facts"]),
        )
    if method == "insert_snapshot":
        s = params["snapshot"]
        return harbor.insert_snapshot(
            run_id=s["run_id"], host_id=s["host_id"], stage=s["stage"], timestamp=number(s["timestamp"]),
            metrics=payload(s["metrics"]),
        )
    if method == "insert_fact_log":
        f = params["fact_log"]
        return harbor.insert_fact_log(
            run_id=f["run_id"], timestamp=number(f["timestamp"]), log_level=f["log_level"], context=f["context"],
            command=f["command"],
        )
    if method == "get_facts_for_timespan":
        return harbor.get_facts_for_timespan(params["run_id"], number(params["start_time"]), number(params["end_time"]))
    if method == "get_run_summary_stats":
        return harbor.get_run_summary_stats(params["run_id"])
    if method == "get_run_data":
        return harbor.get_run_data(params["run_id"])
    raise LookupError("unknown method %r" % method)


def kind(exc):
    """The protocol's error kind for an exception a harbor raised."""
    declared = getattr(exc, "limani_kind", None)
    if declared:
        return declared
    text = str(exc)
    if "UNIQUE constraint failed: runs.id" in text:
        return "duplicate_run"
    if "CHECK constraint failed" in text and "status" in text:
        return "invalid_status"
    if "FOREIGN KEY constraint failed" in text:
        return "unknown_run"
    if "NOT NULL constraint failed" in text or isinstance(exc, (ValueError, TypeError)):
        return "invalid_value"
    return "storage"
