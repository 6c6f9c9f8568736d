"""Broken Python harbors, each GoodSqlite with one realistic defect, and the check that catches it."""

import functools
import json
import threading
import time

from good_sqlite import GoodSqlite


class RacyHosts(GoodSqlite):
    """Select-then-insert hosts: racing threads both insert (caught by hosts::idempotent_under_threads).
    The race window is widened (50 ms) once many threads share the harbor, as in the kit's race
    of 8; alone or with the Logbook's two threads it is as fast as GoodSqlite, so that its one
    defect is the race, not slowness."""

    def __init__(self, config):
        super().__init__(config)
        self.threads_seen = 0
        self.seen_lock = threading.Lock()

    def _conn(self):
        if getattr(self.local, "conn", None) is None:
            with self.seen_lock:
                self.threads_seen += 1
        return super()._conn()

    def get_or_create_host(self, run_id, host_name):
        conn = self._conn()
        row = conn.execute("SELECT id FROM hosts WHERE run_id = ? AND name = ?", (run_id, host_name)).fetchone()
        if row:
            return row[0]
        if self.threads_seen >= 4:
            time.sleep(0.05)
        return conn.execute("INSERT INTO hosts (run_id, name) VALUES (?, ?)", (run_id, host_name)).lastrowid


class ClosedTimespanEnd(GoodSqlite):
    """``timestamp <= end`` (caught by timespan::half_open)."""

    def get_facts_for_timespan(self, run_id, start_time, end_time):
        rows = self._conn().execute(
            "SELECT id, run_id, timestamp, log_level, context, command FROM command_n_facts_in_order"
            " WHERE run_id = ? AND timestamp >= ? AND timestamp <= ? ORDER BY timestamp, id", (run_id, start_time, end_time))
        return [dict(r) for r in rows]


class InsertionOrderFacts(GoodSqlite):
    """Timespan reads without ORDER BY, in insertion order (caught by timespan::ordered)."""

    def get_facts_for_timespan(self, run_id, start_time, end_time):
        rows = self._conn().execute(
            "SELECT id, run_id, timestamp, log_level, context, command FROM command_n_facts_in_order NOT INDEXED"
            " WHERE run_id = ? AND timestamp >= ? AND timestamp < ? ORDER BY id", (run_id, start_time, end_time))
        return [dict(r) for r in rows]


class OperationsInIdOrder(GoodSqlite):
    """Run data lists a host's operations by id, not by time (caught by records::ordered_by_time)."""

    operations_order = "id"


class ClosedEndAndOperationsInIdOrder(ClosedTimespanEnd, OperationsInIdOrder):
    """Two independent defects: a report shows two causes (in_timespan, time_then_insertion)."""


class SummaryWithoutRounding(GoodSqlite):
    """The total duration as summed (caught by summary::rounded_duration)."""

    def _durations_total(self, durations):
        return sum(durations)


class UnroundedAndFactsInIdOrder(SummaryWithoutRounding, InsertionOrderFacts):
    """Two independent defects: a report shows two causes (total_duration, time_then_insertion)."""


class BooleansAsStrings(GoodSqlite):
    """``changed``/``success`` stored as 'True'/'False' (caught by records::operation_round_trip).
    Two rules: reads give strings for booleans (same_json), and the summary counts 'False' as
    changed (summary_stats)."""

    def _flag(self, value):
        return str(value)


class EmptyStringAsNull(GoodSqlite):
    """Empty strings stored as NULL (caught by fidelity::empty_strings_kept)."""

    def insert_fact_log(self, run_id, timestamp, log_level, context, command):
        super().insert_fact_log(run_id, timestamp, log_level or None, context or None, command or None)


class MemoryOnly(GoodSqlite):
    """Keeps everything in an in-memory database of its own process (caught by durability::reopen_keeps_everything).
    Its calls take turns, so that the shared cache's table locks are not a second defect."""

    shared = None

    def __init__(self, config):
        super().__init__(dict(config or {}, werehouse="file:limani-memory-only?mode=memory&cache=shared"))
        self.lock = threading.RLock()

    def _conn(self):
        if getattr(self.local, "conn", None) is None:
            import sqlite3

            conn = sqlite3.connect(self.path, uri=True, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys=ON")
            self.local.conn = conn
            MemoryOnly.shared = MemoryOnly.shared or conn  # keeps the memory database alive
        return self.local.conn


def _in_turn(name):
    @functools.wraps(getattr(GoodSqlite, name))
    def call(self, *args, **kwargs):
        with self.lock:
            return getattr(GoodSqlite, name)(self, *args, **kwargs)

    return call


for _name in ("init_db", "create_run", "start_update_run", "end_run_update", "get_or_create_host", "insert_operation",
              "insert_snapshot", "insert_fact_log", "get_facts_for_timespan", "get_run_summary_stats", "get_run_data"):
    setattr(MemoryOnly, _name, _in_turn(_name))


class MemoryPerThread(GoodSqlite):
    """An in-memory database per connection, so per thread: the writer thread finds no tables
    (caught by concurrency::logbook_pattern; the real Logbook hangs on it)."""

    def __init__(self, config):
        super().__init__(dict(config or {}, werehouse=":memory:"))


class SleepsForever(GoodSqlite):
    """get_or_create_host never returns (caught by hosts::idempotent, as a timeout)."""

    def get_or_create_host(self, run_id, host_name):
        while True:
            time.sleep(3600)


class SeedRevision(GoodSqlite):
    """A correct harbor of the seed revision: create_run without secrets."""

    def create_run(self, run_id, run_id_human, start_time, hailer_info):
        return super().create_run(run_id, run_id_human, start_time, hailer_info, None)


class ConnectReturnsNone(GoodSqlite):
    """connect() returns nothing, so the Logbook's end_run cannot query it
    (caught by lifecycle::connect_answers_the_logbooks_status_query)."""

    def connect(self):
        self._conn()
        return None


class RenamedFactLogParameters(GoodSqlite):
    """insert_fact_log with its own parameter names: the Logbook's writer thread calls it by
    keyword, so every fact log raises and the run hangs (caught by records::fact_log_round_trip)."""

    def insert_fact_log(self, run_id, ts, level, ctx, cmd):
        super().insert_fact_log(run_id, ts, level, ctx, cmd)


class TupleRows(GoodSqlite):
    """connect() returns a connection whose rows are tuples: the Logbook's end_run reads
    row["status"] and fails (caught by lifecycle::connect_answers_the_logbooks_status_query)."""

    def connect(self):
        import sqlite3

        return sqlite3.connect(self.path, timeout=30)


class SecretsDumpedAsIs(GoodSqlite):
    """json.dumps of the needed secrets, which the Logbook passes as a set: create_run raises
    (caught by lifecycle::create_run_revision)."""

    def create_run(self, run_id, run_id_human, start_time, hailer_info, needed_secrets=None):
        json.dumps(needed_secrets)
        return super().create_run(run_id, run_id_human, start_time, hailer_info, needed_secrets)


class StartsAHelper(GoodSqlite):
    """Starts a helper process of its own (as a harbor with a local proxy might) and writes its
    pid, a line per harbor, to config["helper_pid_file"]: the kit must stop it with the harbor."""

    def __init__(self, config):
        super().__init__(config)
        import subprocess

        helper = subprocess.Popen(["sleep", "300"])
        with open(self.config["helper_pid_file"], "a") as f:
            f.write("%d\n" % helper.pid)


class HangsWithAHelper(StartsAHelper, SleepsForever):
    """Hangs in get_or_create_host and has a helper process: an abandoned check must stop both."""


class NoOp:
    """Does nothing, fast: measures the bridge itself."""

    def __init__(self, config):
        self.config = config

    def connect(self):
        pass

    def get_or_create_host(self, run_id, host_name):
        return 1

    def create_run(self, run_id, run_id_human, start_time, hailer_info, needed_secrets=None):
        return run_id

    def get_run_summary_stats(self, run_id):
        return {"total_operations": 0, "changed_operations": 0, "successful_operations": 0,
                "failed_operations": 0, "total_duration": 0.0}

    def dumps(self, value):
        return json.dumps(value)
