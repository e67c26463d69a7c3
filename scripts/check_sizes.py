"""Fail when a Python module outside migrations grows past the house limit (issue 17).

Run by ``make lint``: ``python scripts/check_sizes.py [--limit 500]``. Prints each file
over the limit with its line count; exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tracked_python_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return [ROOT / line for line in out.splitlines() if "/migrations/" not in line]


def too_long(*, files: list[Path], limit: int) -> list[tuple[Path, int]]:
    found = []
    for path in files:
        if not path.is_file():
            continue
        with path.open("rb") as fh:
            count = sum(1 for _ in fh)
        if count > limit:
            found.append((path, count))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=500)
    args = parser.parse_args(argv)
    found = too_long(files=tracked_python_files(), limit=args.limit)
    for path, count in found:
        print(f"{path.relative_to(ROOT)}: {count} lines (limit {args.limit}); "
              "split it by sub-domain", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
