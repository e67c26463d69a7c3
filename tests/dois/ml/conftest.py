"""Shared fixtures for the dois.ml tests (they need neither Django nor a database)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(autouse=True)
def _media_root():
    """Override the suite-wide fixture: these tests need neither Django nor media."""
    return None
