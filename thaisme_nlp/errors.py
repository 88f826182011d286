"""Every error the library raises on purpose, with a short code.

The codes are stable: tests, logs and the HTTP service refer to them.
"""

from __future__ import annotations

from typing import Any


class ThaismeError(Exception):
    """Base class of the library's own errors."""

    code = "TS000"

    def __init__(self, message: str) -> None:
        super().__init__(f"[{self.code}] {message}")


class InputTypeError(ThaismeError, TypeError):
    """Text input of the wrong type (bytes, None, numbers, ...)."""

    code = "TS001"


class UnknownEngineError(ThaismeError, ValueError):
    """An engine name that is not one of the valid ones."""

    code = "TS002"


class CodebookError(ThaismeError, ValueError):
    """A codebook file that does not validate."""

    code = "TS003"


class LabelError(ThaismeError, ValueError):
    """Training labels that do not fit the codebook."""

    code = "TS004"


class ModelFileError(ThaismeError, ValueError):
    """A model file that is missing, truncated, tampered with or of another kind."""

    code = "TS005"


class UntrustedModelError(ModelFileError):
    """A model file that contains types the library does not trust."""

    code = "TS006"


class NotEnoughDataError(ThaismeError, ValueError):
    """Too few documents or labels for what was asked."""

    code = "TS007"


class ArchiveReadError(ThaismeError, ValueError):
    """A file of an archive that cannot be read (binary, undecodable, malformed, vanished).
    The batch job records it as an error row and goes on."""

    code = "TS008"


class OutputError(ThaismeError, ValueError):
    """A batch output that cannot be used: an unknown extension, or another run writing to it."""

    code = "TS009"


def describe_type(value: Any) -> str:
    return (
        type(value).__module__.replace("builtins", "").strip(".")
        + ("." if type(value).__module__ != "builtins" else "")
        + type(value).__qualname__
    )


def check_text(value: Any, *, where: str = "text") -> str:
    """Return ``value`` if it is a ``str``; otherwise raise a helpful :class:`InputTypeError`."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise InputTypeError(
            f"{where} must be str, got {type(value).__name__}: decode it first, e.g. "
            "data.decode('utf-8'), or data.decode('cp874') for TIS-620 files"
        )
    raise InputTypeError(f"{where} must be str, got {describe_type(value)}")
