"""Text that reaches users: never a server's file path."""

from __future__ import annotations

import re

# An absolute POSIX path of two or more parts, not part of a URL (``scheme://host/...``).
_PATH = re.compile(r"(?<![\w.:/~-])/(?:[^\s/:'\"()<>]+/)+([^\s/:'\"()<>]*)")


def without_paths(text: str) -> str:
    """``text`` with every absolute file path cut to its last part (the file's name)."""
    return _PATH.sub(lambda m: m.group(1) or "…", text)
