"""Helpers of the events tests (data to upload, responses to read); fixtures are in
``conftest.py``, model factories in ``factories.py``."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.events.factories import UserFactory

DATA = Path(__file__).parent / "data"
# the group's real summary of its first meetup (a copy of /work/shared/reference/)
REFERENCE_POST = DATA / "2019-09-09-first-tfug-summary.md"

SAMPLE_POST = """---
layout: post
title: 首次 TensorFlow All Around 小结
description: ~ 社区活动, 值得掺合;-)
author: zoomq
categories: Events
tags:  tfug event meetup summary
---

TFUG珠海首次活动完成

![loft](https://ipic.zoomquiet.top/2019-09-09-full-season.jpg)

<!--more-->

- 现场: 22+人
"""

# What the draft of the ``world`` fixture holds: none of it may appear on a public surface.
SECRETS = ["Secret meetup", "Secret talk", "Hidden Speaker", "Secret summary",
           "Secret recording", "Secret slides", "secret-only-tag", "Secret series"]


def image_bytes(size=(40, 30), fmt="PNG", color=(200, 100, 50), exif=None) -> bytes:
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, color).save(out, format=fmt, **kwargs)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` pixels and holds almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def notebook_bytes() -> bytes:
    return json.dumps({"cells": [{"cell_type": "code", "id": "a", "metadata": {},
                                  "execution_count": 1, "source": "1 + 1", "outputs": []}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def markdown_upload(name: str, text: str = SAMPLE_POST) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/markdown")


def body(response) -> bytes:
    """A response's bytes, streamed or not."""
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)  # the client closes it at the end
    return response.content


def page_text(response) -> str:
    """A page's text, after checking it is a 200."""
    assert response.status_code == 200, response.status_code
    return body(response).decode()


def assert_no_secret(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, leaked


def with_img_hosts(settings, *hosts) -> None:
    """The CSP's img-src with these remote hosts (besides the site and data: URLs)."""
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["img-src"] = ["'self'", "data:", *hosts]
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY,
                                        "DIRECTIVES": directives}


def members(*names: str) -> list:
    """Plain members with these usernames."""
    return [UserFactory(username=n) for n in names]


def login(client, user):
    client.force_login(user)
    return client


class FakeBoard:
    """A challenge provider (``events.extensions``) without dois: the events side is
    tested against the contract, dois's own provider in tests/dois. ``models`` are plain
    dicts ``{"id", "name", "author", "map5", "top1", "top5", "status", "created"}``;
    only done ones count as visible, as on the board."""

    def __init__(self):
        self.models: list[dict] = []
        self.board_calls = 0

    def add(self, *, name: str, map5: float | None = None, status: str = "done",
            created=None, author: str = "Ada") -> dict:
        from django.utils import timezone

        model = {"id": len(self.models) + 1, "name": name, "author": author, "map5": map5,
                 "top1": None if map5 is None else map5 - 0.1,
                 "top5": None if map5 is None else min(map5 + 0.1, 1.0), "status": status,
                 "created": created or timezone.now()}
        self.models.append(model)
        return model

    def links(self) -> dict:
        return {"board_url": "/en/dois/leaderboard/", "submit_url": "/en/dois/leaderboard/submit/"}

    def _row(self, m: dict) -> dict:
        return {"id": m["id"], "name": m["name"], "author": m["author"], "map5": m["map5"],
                "top1": m["top1"], "top5": m["top5"],
                "url": f"/en/dois/leaderboard/submissions/{m['id']}/",
                "board_url": "/en/dois/leaderboard/",
                "board_row_url": f"/en/dois/leaderboard/#submission-{m['id']}"}

    def board(self, *, opens_at, closes_at) -> dict:
        self.board_calls += 1
        inside = [m for m in self.models if opens_at <= m["created"] < closes_at]
        done = sorted((m for m in inside if m["status"] == "done"),
                      key=lambda m: -(m["map5"] or 0))
        rows = [{**self._row(m), "rank": i, "board_rank": i, "submitted_at": m["created"],
                 "stale": False} for i, m in enumerate(done, 1)]
        pending = [{"id": m["id"], "status": m["status"], "submitted_at": m["created"]}
                   for m in inside if m["status"] in ("queued", "running")]
        return {**self.links(), "rows": rows, "pending": pending}

    def submission_choices(self) -> list[tuple[int, str]]:
        return [(m["id"], f"{m['name']} - {m['author']}") for m in self.models
                if m["status"] == "done"]

    def submissions_resolve(self, *, ids) -> dict[int, dict]:
        return {m["id"]: self._row(m) for m in self.models
                if m["id"] in set(ids) and m["status"] == "done"}
