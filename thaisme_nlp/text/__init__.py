"""The Thai text stages: normalize → segment → tokenize."""

from .normalize import NormalizeConfig, OffsetText, normalize, normalize_with_offsets
from .segment import Statement, iter_statements, segment
from .tokenize import DEFAULT_TOKENIZER_ENGINE, TOKENIZER_ENGINES, Token, Tokenizer

__all__ = [
    "DEFAULT_TOKENIZER_ENGINE",
    "TOKENIZER_ENGINES",
    "NormalizeConfig",
    "OffsetText",
    "Statement",
    "Token",
    "Tokenizer",
    "iter_statements",
    "normalize",
    "normalize_with_offsets",
    "segment",
]
