"""Folder datasets: ``root/<individual>/<image>`` (or a flat folder of unknowns)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Item", "IMAGE_SUFFIXES", "side_of", "scan_dataset", "scan_flat"]

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
_SIDE = re.compile(r"(left|right)", re.IGNORECASE)


@dataclass(frozen=True)
class Item:
    """One image of a dataset: its path, individual and side (``left``/``right``/None)."""

    path: Path
    individual: str
    side: str | None


def side_of(name: str) -> str | None:
    """``left`` or ``right`` when a file name says which flank/side it shows."""
    m = _SIDE.search(name)
    return m.group(1).lower() if m else None


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def scan_dataset(root: str | Path) -> list[Item]:
    """List ``root/<individual>/<image>`` files, sorted, with sides from file names."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder {root} not found")
    items: list[Item] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        items.extend(Item(p, folder.name, side_of(p.name)) for p in _images(folder))
    return items


def scan_flat(root: str | Path) -> list[Item]:
    """All images under ``root`` (recursively); each file its own unnamed individual."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"folder {root} not found")
    paths = sorted(p for p in root.rglob("*")
                   if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    return [Item(p, f"unknown:{p.relative_to(root)}", side_of(p.name)) for p in paths]
