"""``python3 -m limani_bridge``: load a harbor and serve it on stdin/stdout."""

import argparse
import io
import json
import os
import sys

from .harbor import load_class, revision
from .server import Server


def main(argv=None):
    parser = argparse.ArgumentParser(prog="limani_bridge", description=__doc__)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--plugin", help="the harbor class, as module:Class")
    source.add_argument("--entry-point", help="a harbor registered in the entry-point group chaos.limanis")
    parser.add_argument("--python-path", action="append", default=[], help="a folder to import from (repeatable)")
    parser.add_argument("--config", default=os.environ.pop("LIMANI_BRIDGE_CONFIG", "{}"),
                        help="the config dict given to the harbor, as JSON (default: $LIMANI_BRIDGE_CONFIG)")
    parser.add_argument("--fork-server", action="store_true",
                        help="import the harbor once, then fork a harbor process per request on stdin, "
                             "a Unix socket (the kit's fast start)")
    parser.add_argument("--workload", metavar="JSON",
                        help="run the Logbook's workload in this process, as limani bench gives it, "
                             "in the rounds it asks for on stdin, and print what each took (no protocol)")
    args = parser.parse_args(argv)
    try:
        config = json.loads(args.config)
    except ValueError as exc:
        parser.error("--config is not JSON: %s" % exc)
    # The protocol owns stdin and stdout: anything the harbor prints, from its import on, goes
    # to stderr (subprocesses and C code writing to fd 1, too).
    protocol_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    cls, name = load_class(args.plugin, args.entry_point, args.python_path)
    if args.workload:
        from . import workload

        harbor = cls(config)
        commands = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
        workload.serve(harbor, revision(harbor), json.loads(args.workload), iter(commands.readline, ""), protocol_out)
        return 0
    if args.fork_server:
        from .forks import serve_forks

        return serve_forks(lambda out_fd, lanes: serve(cls, name, config, os.fdopen(out_fd, "w", encoding="utf-8"), lanes))
    return serve(cls, name, config, protocol_out)


def serve(cls, name, config, protocol_out, lanes=None):
    """Builds the harbor and serves it, requests on stdin, replies on ``protocol_out`` (and
    lanes on sockets the kit sends over ``lanes``, if given)."""
    protocol_in = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    harbor = cls(config)
    Server(harbor, revision(harbor), name, out=protocol_out, lanes=lanes).serve(iter(protocol_in.readline, ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
