"""A harbor on one JSON file, as a first harbor is often written: the whole store in memory,
the file rewritten in place after every write. Correct until it is killed while writing: the
file is truncated first, so a crash in the middle tears it (caught by
durability::acknowledged_writes_survive_a_crash). Config: {"werehouse": PATH}.
"""

import json
import math
import os
import threading

from good_sqlite import KindError, finite

STATUSES = ("in_progress", "success", "failure")


class StatusQuery:
    """Answers the one query the Logbook runs on connect()'s result."""

    def __init__(self, harbor):
        self.harbor, self.row = harbor, None

    def execute(self, sql, params):
        with self.harbor.lock:
            run = self.harbor.store["runs"].get(params[0])
        self.row = None if run is None else {"status": run["status"]}
        return self

    def fetchone(self):
        return self.row


class JsonFile:
    def __init__(self, config):
        self.config = config or {}
        self.path = self.config.get("werehouse") or "limani.json"
        self.lock = threading.RLock()
        self.store = {"next_id": 1, "runs": {}, "hosts": [], "operations": [], "snapshots": [], "facts": []}

    def connect(self):
        """What the Logbook's end_run queries: ``execute(SELECT status ...).fetchone()["status"]``."""
        return StatusQuery(self)

    def disconnect(self):
        pass

    def init_db(self):
        with self.lock:
            if os.path.exists(self.path) and os.path.getsize(self.path) > 0:
                with open(self.path) as f:
                    self.store = json.load(f)
            else:
                self._save()

    def _save(self):
        # The defect: truncate, then stream the whole store into the same file.
        with open(self.path, "w") as f:
            json.dump(self.store, f)
            f.flush()

    def _new_id(self):
        self.store["next_id"] += 1
        return self.store["next_id"] - 1

    def _write(self, change):
        with self.lock:
            result = change()
            self._save()
            return result

    def _run(self, run_id):
        run = self.store["runs"].get(run_id)
        if run is None:
            raise KindError("unknown_run", "no run %r" % run_id)
        return run

    def _host_of_run(self, run_id, host_id):
        self._run(run_id)
        if not any(h["id"] == host_id and h["run_id"] == run_id for h in self.store["hosts"]):
            raise KindError("unknown_host", "host %r is not a host of run %r" % (host_id, run_id))

    def create_run(self, run_id, run_id_human, start_time, hailer_info, needed_secrets=None):
        finite("start_time", start_time)

        def change():
            if run_id in self.store["runs"]:
                raise KindError("duplicate_run", "run %r exists" % run_id)
            self.store["runs"][run_id] = {
                "id": run_id, "run_id_human": run_id_human, "start_time": start_time, "end_time": None,
                "status": "in_progress", "summary_json": None, "hailer_json": json.dumps(hailer_info),
                "required_secrets": None if needed_secrets is None else json.dumps(sorted(needed_secrets)),
            }
            return run_id

        return self._write(change)

    def start_update_run(self, run_id, status):
        if status not in STATUSES:
            raise KindError("invalid_status", "invalid status %r" % status)
        self._write(lambda: self._run(run_id).update(status=status))

    def end_run_update(self, run_id, end_time, status, summary):
        if status not in STATUSES:
            raise KindError("invalid_status", "invalid status %r" % status)
        finite("end_time", end_time)
        self._write(lambda: self._run(run_id).update(end_time=end_time, status=status,
                                                     summary_json=json.dumps(summary)))

    def get_or_create_host(self, run_id, host_name):
        with self.lock:
            self._run(run_id)
            for host in self.store["hosts"]:
                if host["run_id"] == run_id and host["name"] == host_name:
                    return host["id"]

            def change():
                host = {"id": self._new_id(), "run_id": run_id, "name": host_name, "summary_json": None}
                self.store["hosts"].append(host)
                return host["id"]

            return self._write(change)

    def insert_operation(self, run_id, host_id, op_hash, name, changed, success, duration, timestamp, logs, diff,
                         arguments, retry_stats, command_n_facts):
        finite("duration", duration)
        finite("timestamp", timestamp)

        def change():
            self._host_of_run(run_id, host_id)
            self.store["operations"].append({
                "id": self._new_id(), "run_id": run_id, "host_id": host_id, "op_hash": op_hash, "name": name,
                "changed": int(changed), "success": int(success), "duration": duration, "timestamp": timestamp,
                "logs_json": json.dumps(logs), "diff": diff, "arguments_json": json.dumps(arguments),
                "retry_stats_json": json.dumps(retry_stats),
                "command_n_facts_in_order_json": json.dumps(command_n_facts)})

        self._write(change)

    def insert_snapshot(self, run_id, host_id, stage, timestamp, metrics):
        finite("timestamp", timestamp)

        def change():
            self._host_of_run(run_id, host_id)
            self.store["snapshots"].append({"id": self._new_id(), "run_id": run_id, "host_id": host_id,
                                            "stage": stage, "timestamp": timestamp, "metrics_json": json.dumps(metrics)})

        self._write(change)

    def insert_fact_log(self, run_id, timestamp, log_level, context, command):
        finite("timestamp", timestamp)

        def change():
            self._run(run_id)
            self.store["facts"].append({"id": self._new_id(), "run_id": run_id, "timestamp": timestamp,
                                        "log_level": log_level, "context": context, "command": command})

        self._write(change)

    def _by_time(self, rows):
        return sorted(rows, key=lambda r: (r["timestamp"], r["id"]))

    def get_facts_for_timespan(self, run_id, start_time, end_time):
        if math.isnan(start_time) or math.isnan(end_time):
            raise KindError("invalid_value", "a timespan bound is NaN")
        with self.lock:
            return self._by_time(dict(f) for f in self.store["facts"]
                                 if f["run_id"] == run_id and start_time <= f["timestamp"] < end_time)

    def get_run_summary_stats(self, run_id):
        with self.lock:
            ops = [o for o in self.store["operations"] if o["run_id"] == run_id]
        failed = sum(1 for o in ops if not o["success"])
        total = math.fsum(o["duration"] for o in ops)
        return {"total_operations": len(ops), "changed_operations": sum(1 for o in ops if o["changed"]),
                "successful_operations": len(ops) - failed, "failed_operations": failed,
                "total_duration": round(total, 4) if total else 0.0}

    def get_run_data(self, run_id):
        with self.lock:
            run = self.store["runs"].get(run_id)
            if run is None:
                return None
            names = {h["id"]: h["name"] for h in self.store["hosts"]}
            hosts = [dict(h, operations=self._by_time(dict(o) for o in self.store["operations"]
                                                      if o["host_id"] == h["id"]))
                     for h in self.store["hosts"] if h["run_id"] == run_id]
            snapshots = self._by_time(dict(s, host_name=names[s["host_id"]])
                                      for s in self.store["snapshots"] if s["run_id"] == run_id)
            facts = self._by_time(dict(f) for f in self.store["facts"] if f["run_id"] == run_id)
            return {"run": dict(run), "hosts": hosts, "snapshots": snapshots, "fact_logs": facts}
