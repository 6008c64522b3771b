"""``python -m bench``: the whole benchmark of issue 16, written to bench/RESULTS.md.

Parts (``--parts``, default all): ``pages`` (the scored tender served by gunicorn),
``documents`` (all award documents against raw ReportLab) and ``rush`` (300 providers
at the deadline through gunicorn and PostgreSQL). Each part builds its own demo
tender in a temporary folder; nothing in ``instance/`` is touched.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.common import ROOT, demo_instance, log

PARTS = ("pages", "documents", "rush")
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/"


def _pages(workdir: Path, args: argparse.Namespace) -> str:
    from bench import pages

    url = None if args.sqlite else POSTGRES + "bench_pages"
    instance = demo_instance(workdir / "pages", bids=args.bids, phase="scored", database_url=url,
                             reuse=args.reuse)  # fmt: skip
    return pages.run(instance, bids=args.bids)


def _documents(workdir: Path, args: argparse.Namespace) -> str:
    from bench import documents

    instance = demo_instance(workdir / "documents", bids=args.bids, phase="advice",
                             database_url=None, reuse=args.reuse)  # fmt: skip
    return documents.run(instance.path)


def _rush(_workdir: Path, _args: argparse.Namespace) -> str:
    from bench import rush

    return rush.run(POSTGRES + "bench_rush")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--bids", type=int, default=500, help="bids in the tender (500)")
    parser.add_argument(
        "--parts", default=",".join(PARTS), help="comma-separated: " + ", ".join(PARTS)
    )
    parser.add_argument("--sqlite", action="store_true", help="pages on SQLite, not PostgreSQL")
    parser.add_argument(
        "--results",
        type=Path,
        default=ROOT / "bench" / "RESULTS.md",
        help="where to write the Markdown (bench/RESULTS.md); - for none",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the demo tenders in this folder and reuse them on the next run with the "
        "same --bids (default: a temporary folder, removed afterwards); for trying changes, "
        "not for recorded results",
    )
    args = parser.parse_args()
    args.reuse = args.workdir is not None
    parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    run = {"pages": _pages, "documents": _documents, "rush": _rush}
    sections = [
        "# Benchmark results (issue 16)",
        "",
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python -m bench --bids {args.bids}"
        f" --parts {','.join(parts)}{' --sqlite' if args.sqlite else ''}"
        f"{' --workdir ' + str(args.workdir) if args.reuse else ''}`: {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}, {platform.system()} {platform.machine()}.",
        "Every ratio is to a baseline measured in the same run.",
    ]
    with tempfile.TemporaryDirectory(prefix="tender-bench-") as temporary:
        workdir = args.workdir or Path(temporary)
        for part in parts:
            log(f"== {part}")
            sections += ["", run[part](workdir, args)]
    text = "\n".join(sections) + "\n"
    print(text)
    if str(args.results) != "-":
        args.results.write_text(text, encoding="utf-8")
        log(f"written to {args.results}")


if __name__ == "__main__":
    sys.exit(main())
