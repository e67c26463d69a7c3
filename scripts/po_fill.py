#!/usr/bin/env python
"""Fill ``msgstr`` entries of a .po file from a JSON mapping {msgid: msgstr}.

An entry named in the mapping gets that translation and loses any fuzzy mark. An entry
that is empty or fuzzy (makemessages' guess) and not in the mapping is reported, and
keeps its fuzzy mark, so Django does not ship the guess.

Usage: ``python scripts/po_fill.py LOCALE.po TRANSLATIONS.json``. Prints the msgids that
still have no translation, so nothing ships half translated without anyone noticing.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ENTRY = re.compile(r'((?:^#.*\n)*)msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', re.M)


def _unquote(block: str) -> str:
    return "".join(json.loads(line) for line in block.strip().splitlines())


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False) + "\n"


def fill(po: Path, mapping: dict[str, str]) -> list[str]:
    missing: list[str] = []

    def replace(match: re.Match) -> str:
        comments, msgid_block, msgstr_block = match.groups()
        msgid = _unquote(msgid_block)
        if not msgid:
            return match.group(0)
        fuzzy = "fuzzy" in "".join(line for line in comments.splitlines()
                                    if line.startswith("#,"))
        if msgid not in mapping:
            # makemessages' fuzzy guesses are often wrong: they count as untranslated
            if fuzzy or not _unquote(msgstr_block):
                missing.append(msgid)
            return match.group(0)
        comments = comments.replace("#, fuzzy\n", "").replace(", fuzzy", "")
        return f"{comments}msgid {msgid_block}msgstr {_quote(mapping[msgid])}"

    text = po.read_text(encoding="utf-8")
    po.write_text(ENTRY.sub(replace, text), encoding="utf-8")
    return missing


if __name__ == "__main__":
    po_path, json_path = Path(sys.argv[1]), Path(sys.argv[2])
    left = fill(po_path, json.loads(json_path.read_text(encoding="utf-8")))
    for msgid in left:
        print(f"untranslated: {msgid!r}")
    sys.exit(1 if left else 0)
