"""The Examples sections of the public API run as doctests."""

import doctest
import importlib

import pytest

MODULES = [
    "thaisme_nlp.text.normalize",
    "thaisme_nlp.text.segment",
    "thaisme_nlp.text.tokenize",
    "thaisme_nlp.keywords",
    "thaisme_nlp.codebook",
    "thaisme_nlp.features",
    "thaisme_nlp.classify",
    "thaisme_nlp.topics",
    "thaisme_nlp.breakdowns",
    "thaisme_nlp.archive.readers",
    "thaisme_nlp.archive.diff",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
