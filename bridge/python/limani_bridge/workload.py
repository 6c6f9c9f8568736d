"""The Logbook's workload run on a harbor in its own process, no bridge: what ``limani bench``
compares the bridge with. The same calls as the kit's bench (``cli/src/bench.rs``) sends, in
the same order, with the values it sends (its templates, given as protocol params), passed as
the Logbook passes them: per operation a host lookup, two fact logs, the operation's timespan
read and the operation; after each round the summary stats; at the end the run's data.

The kit runs it in rounds between its own rounds through the bridge, so that both meet the
machine in the same state: one command a line on stdin, one answer a line on the protocol's
stdout, until ``finish`` or the end of stdin (the kit gone)."""

import copy
import json
import time

from .harbor import call
from .values import number, payload, plain


class Workload:
    def __init__(self, harbor, rev, spec):
        """Creates the store and the run (not timed), and each operation's arguments."""
        self.harbor = harbor
        call(harbor, rev, "init_db", {})
        call(harbor, rev, "create_run", {"run": spec["create_run"]})
        self.run_id = spec["create_run"]["run_id"]
        self.fact = spec["insert_fact_log"]
        o = spec["insert_operation"]
        self.operation = {
            "run_id": self.run_id, "op_hash": o["op_hash"], "changed": bool(o["changed"]),
            "success": bool(o["success"]), "duration": number(o["duration"]), "logs": payload(o["logs"]),
            "diff": o["diff"], "retry_stats": payload(o["retry_stats"]),
        }
        # The arguments of each of the 50 operation names, made before the clock starts.
        template = payload(o["arguments"])
        self.arguments = {}
        for n in range(50):
            name = "Operation %d" % n
            self.arguments[name] = copy.deepcopy(template)
            self.arguments[name]["global_arguments"]["name"] = name

    def round(self, first, operations):
        """Operations ``first`` to ``first + operations - 1``, then the summary stats: seconds."""
        harbor, run_id, fact, arguments = self.harbor, self.run_id, self.fact, self.arguments
        started = time.perf_counter()
        for i in range(first, first + operations):
            host = harbor.get_or_create_host(run_id, "host-%d" % (i % 20))
            t = 1769462954.0 + i * 0.01
            for k in (1, 2):
                harbor.insert_fact_log(run_id=run_id, timestamp=t + k * 1e-3, log_level=fact["log_level"],
                                       context=fact["context"], command="fact %d.%d" % (i, k))
            facts = harbor.get_facts_for_timespan(run_id, t, t + 0.005)
            name = "Operation %d" % (i % 50)
            harbor.insert_operation(host_id=host, name=name, timestamp=t + 0.005, arguments=arguments[name],
                                    command_n_facts=plain(facts), **self.operation)
        harbor.get_run_summary_stats(run_id)
        return time.perf_counter() - started

    def finish(self):
        """The run's data, read as the export reads it: seconds."""
        started = time.perf_counter()
        self.harbor.get_run_data(self.run_id)
        return time.perf_counter() - started


def serve(harbor, rev, spec, commands, out):
    """Answers each command line, ``{"round": FIRST, "operations": N}`` or ``{"finish": true}``,
    with ``{"seconds": S}``; returns after ``finish`` or at the end of ``commands``."""
    workload = Workload(harbor, rev, spec)
    out.write('{"ready": true}\n')
    out.flush()
    for line in commands:
        command = json.loads(line)
        finish = command.get("finish")
        seconds = workload.finish() if finish else workload.round(command["round"], command["operations"])
        out.write(json.dumps({"seconds": seconds}) + "\n")
        out.flush()
        if finish:
            return
