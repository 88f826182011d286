"""Coverage-guided fuzzing (atheris / libFuzzer) of the text stages and the classifier.

    python tests/fuzz/fuzz_text.py -max_total_time=60 tests/cases/fuzz

Inputs in ``tests/cases/fuzz/`` seed the run; a crash is written by libFuzzer as
``crash-<sha1>`` in the working folder: copy it into ``tests/cases/fuzz/`` so that
``tests/test_fuzz.py`` replays it from then on.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import atheris

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["thaisme_nlp"]):
    import thaisme_nlp.archive.readers
    import thaisme_nlp.classify
    import thaisme_nlp.text.normalize
    import thaisme_nlp.text.segment
    import thaisme_nlp.text.tokenize  # noqa: F401

from targets import one_input


def main() -> None:
    one_input(b"")  # load the model before the clock starts
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
