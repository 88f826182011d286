"""Run a callable with a generous time limit: a guard against hangs, not a speed target."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def run_with_limit(fn: Callable[[], Any], seconds: float) -> Any:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # re-raised in the caller
            box["error"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        raise AssertionError(f"did not finish within {seconds} s (hang guard)")
    if "error" in box:
        raise box["error"]
    return box.get("value")
