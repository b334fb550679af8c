"""``python -m pytest_critique``: commands that work on what runs left behind."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cache.cli import add_commands as add_cache_commands
from .cache.cli import run as run_cache_command
from .errors import CritiqueUsageError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_critique")
    commands = parser.add_subparsers(dest="command", required=True)
    merge = commands.add_parser("merge", help="merge the JSON reports of a suite's shards into one")
    merge.add_argument("reports", nargs="+", type=Path, help="JSON reports written with --critique-report")
    merge.add_argument("-o", "--output", type=Path, help="where to write the merged JSON report")
    merge.add_argument("--html", type=Path, help="where to write the merged report as an HTML page")
    add_cache_commands(commands)
    args = parser.parse_args(argv)
    if args.command == "cache":
        return run_cache_command(args)
    if args.output is None and args.html is None:
        parser.error("merge: give -o ALL.json, --html ALL.html, or both")
    from .merge import main_merge

    try:
        lines = main_merge(args.reports, args.output, args.html)
    except CritiqueUsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
