"""The fin's upper shape: leading edge, tip and trailing edge as one polyline.

The trailing edge alone (``dois.ml.outline.canonical_edge``) tells marked fins apart;
smooth fins differ more in how the two edges meet at the tip (how wide the fin is near
its top, how far the tip hooks back). :func:`canonical_shape` takes the traced contour
from the leading edge, at the depth where the compared trailing share ends, over the tip
and down that trailing share, in the trailing edge's own canonical frame (tip at (0, 0),
the trailing edge's lower end at (0, 1), facing left), so one similarity transform
aligns the whole (DARWIN also compares the whole outline). The leading edge is only part
of the ranking: alone it does not tell fins apart (fins-smru top-1 0.25), and it makes
unknown fins look familiar, so the new-individual probability stays on the trailing edge.

A photo's stored edge packs both: :func:`edge_pack` puts the ``SHAPE_POINTS`` shape
points after the ``EDGE_POINTS`` trailing points; :func:`edge_unpack` splits them (an
edge stored without a shape comes back with ``None``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .geometry import edge_frame, resample_polyline, to_canonical, upper_share
from .outline import EDGE_POINTS, EDGE_SHARE

__all__ = ["SHAPE_POINTS", "canonical_shape", "edge_pack", "edge_unpack", "stored_edges_unpack"]

SHAPE_POINTS = 96
BORDER_PX = 2.0  # a leading edge that reaches the crop border stops there
MIN_LEADING = 0.15  # shorter leading edges (in fin-edge lengths) give no shape


def canonical_shape(outline: Any, *, n: int = SHAPE_POINTS, share: float = EDGE_SHARE
                    ) -> np.ndarray | None:
    """The upper outline (``n x 2``, leading side first) or None.

    None without a usable outline, without a finite contour (a person's redrawn edge on a
    photo where no fin was traced), or when the leading edge runs into the crop border almost
    at once.
    """
    if not getattr(outline, "usable", False):
        return None
    contour = np.asarray(outline.contour, np.float64).reshape(-1, 2)
    if len(contour) < 8 or not np.isfinite(contour).all():
        return None
    width, height = outline.image_size
    on_border = ((contour[:, 0] <= BORDER_PX) | (contour[:, 1] <= BORDER_PX)
                 | (contour[:, 0] >= width - 1 - BORDER_PX)
                 | (contour[:, 1] >= height - 1 - BORDER_PX))
    trailing = resample_polyline(to_canonical(outline.trailing, outline.facing, width), 400)
    frame = edge_frame(trailing)
    if frame is None:
        return None
    edge = upper_share(frame(trailing), share)
    depth = float(edge[:, 1].max())
    ring = frame(to_canonical(contour, outline.facing, width))
    start = int(np.argmin(np.linalg.norm(ring, axis=1)))
    m = len(ring)
    # The leading side lies away from the trailing edge (x < 0 in this frame): walk the
    # contour from the tip that way until the trailing share's depth or the border.
    ahead, behind = ring[(start + 3) % m], ring[(start - 3) % m]
    step = 1 if ahead[0] < behind[0] else -1
    leading = [ring[start]]
    i = start
    for _ in range(m // 2):
        i = (i + step) % m
        if ring[i, 1] > depth or on_border[i]:
            break
        leading.append(ring[i])
    lead = np.asarray(leading)
    if len(lead) < 3 or float(np.linalg.norm(np.diff(lead, axis=0), axis=1).sum()) < MIN_LEADING:
        return None
    return resample_polyline(np.concatenate([lead[::-1], edge[1:]]), n).astype(np.float32)


def edge_pack(edge: np.ndarray, shape: np.ndarray | None) -> np.ndarray:
    """One float32 array to store: the trailing edge, then the shape when there is one."""
    edge = np.asarray(edge, np.float32).reshape(-1, 2)
    if shape is None:
        return edge
    return np.concatenate([edge, np.asarray(shape, np.float32).reshape(-1, 2)])


def edge_unpack(stored: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Inverse of :func:`edge_pack`: ``(trailing edge, shape or None)``."""
    arr = np.asarray(stored, np.float32).reshape(-1, 2)
    if len(arr) == EDGE_POINTS + SHAPE_POINTS:
        return arr[:EDGE_POINTS], arr[EDGE_POINTS:]
    return arr, None


def stored_edges_unpack(blobs: Any) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """Stored float32 byte strings (one per photo) to ``(N x EDGE_POINTS x 2 edges,
    shapes)`` for :class:`dois.ml.edges.EdgeGallery`."""
    pairs = [edge_unpack(np.frombuffer(bytes(b), np.float32)) for b in blobs]
    if not pairs:
        return np.zeros((0, EDGE_POINTS, 2), np.float32), []
    return np.stack([e for e, _s in pairs]), [s for _e, s in pairs]
