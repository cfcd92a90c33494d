"""Support code shared by the tests and the benchmarks (``bench/`` imports it too)."""
from __future__ import annotations

import os


def require(reason: str | None) -> None:
    """Skip the test when ``reason`` says what is missing, except under CI (``CI`` set), where
    it fails: CI must never go green without having run it (as ``tests/browser_harness.py``
    does for Chromium)."""
    import pytest

    if not reason:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this test may not be skipped)")
    pytest.skip(reason)
