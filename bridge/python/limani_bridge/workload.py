"""The Logbook's workload run on a harbor in its own process, no bridge: what ``limani bench``
compares the bridge with. The same calls as the kit's bench (``cli/src/bench.rs``) sends, in
the same order, with the values it sends (its templates, given as protocol params), passed as
the Logbook passes them: per operation a host lookup, two fact logs, the operation's timespan
read and the operation; every 100 operations the summary stats; at the end the run's data."""

import copy
import time

from .harbor import call
from .values import number, payload, plain

ROUND = 100


def run(harbor, rev, spec):
    """Runs ``spec["operations"]`` operations; ``{"operations": n, "seconds": wall time}``."""
    call(harbor, rev, "init_db", {})
    call(harbor, rev, "create_run", {"run": spec["create_run"]})
    run_id = spec["create_run"]["run_id"]
    fact = dict(spec["insert_fact_log"], timestamp=0.0)
    o = spec["insert_operation"]
    operation = {
        "run_id": run_id, "op_hash": o["op_hash"], "changed": bool(o["changed"]), "success": bool(o["success"]),
        "duration": number(o["duration"]), "logs": payload(o["logs"]), "diff": o["diff"],
        "retry_stats": payload(o["retry_stats"]),
    }
    # The arguments of each of the 50 operation names, made before the clock starts.
    template = payload(o["arguments"])
    arguments = {}
    for n in range(50):
        name = "Operation %d" % n
        arguments[name] = copy.deepcopy(template)
        arguments[name]["global_arguments"]["name"] = name
    operations = spec["operations"]
    started = time.perf_counter()
    for i in range(operations):
        host = harbor.get_or_create_host(run_id, "host-%d" % (i % 20))
        t = 1769462954.0 + i * 0.01
        for k in (1, 2):
            harbor.insert_fact_log(run_id=run_id, timestamp=t + k * 1e-3, log_level=fact["log_level"],
                                   context=fact["context"], command="fact %d.%d" % (i, k))
        facts = harbor.get_facts_for_timespan(run_id, t, t + 0.005)
        name = "Operation %d" % (i % 50)
        harbor.insert_operation(host_id=host, name=name, timestamp=t + 0.005, arguments=arguments[name],
                                command_n_facts=plain(facts), **operation)
        if (i + 1) % ROUND == 0 or i + 1 == operations:
            harbor.get_run_summary_stats(run_id)
    harbor.get_run_data(run_id)
    return {"operations": operations, "seconds": time.perf_counter() - started}
