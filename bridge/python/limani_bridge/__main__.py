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
    args = parser.parse_args(argv)
    try:
        config = json.loads(args.config)
    except ValueError as exc:
        parser.error("--config is not JSON: %s" % exc)
    # The protocol owns stdin and stdout: anything the harbor prints goes to stderr.
    protocol_in = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8")
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # subprocesses and C code writing to fd 1, too
    sys.stdout = sys.stderr
    cls, name = load_class(args.plugin, args.entry_point, args.python_path)
    harbor = cls(config)
    Server(harbor, revision(harbor), name, out=protocol_out).serve(iter(protocol_in.readline, ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
