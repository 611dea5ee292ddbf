"""The reading corpus (README.md): every utterance read as expected, 97 % at least."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus.readers import READERS, reading

CORPUS = Path(__file__).parent
BAR = 0.97
MIN_UTTERANCES = 400


def entries() -> list[tuple[str, str, str, str]]:
    """(kind, utterance, expected, where) of every corpus line."""
    found = []
    for path in sorted(CORPUS.glob("*.tsv")):
        kind = path.stem
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            utterance, expected = line.split("\t")
            found.append((kind, utterance, expected.strip(), f"{path.name}:{number}"))
    return found


def test_every_file_is_a_known_kind_with_well_formed_lines() -> None:
    for path in CORPUS.glob("*.tsv"):
        assert path.stem in READERS, f"{path.name}: no reader for this kind"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip() and not line.startswith("#"):
                assert line.count("\t") == 1, f"{path.name}:{number}: one tab expected"


def report() -> tuple[float, int, list[str]]:
    """The share read right, the number of utterances, and the report's lines (per kind, then
    every misreading)."""
    corpus = entries()
    wrong = []
    per_kind: dict[str, list[int]] = {}
    for kind, utterance, expected, where in corpus:
        got = reading(kind, utterance)
        tally = per_kind.setdefault(kind, [0, 0])
        tally[1] += 1
        if got == expected:
            tally[0] += 1
        else:
            wrong.append(f"  {where}  {utterance!r}: expected {expected}, read {got}")
    right = len(corpus) - len(wrong)
    share = right / len(corpus) if corpus else 0.0
    lines = [f"reading corpus: {right}/{len(corpus)} read right = {share:.1%} (bar {BAR:.0%})"]
    lines += [f"  {kind:<10} {ok}/{total}" for kind, (ok, total) in sorted(per_kind.items())]
    if wrong:
        lines += ["misread:", *wrong]
    return share, len(corpus), lines


def test_the_corpus_is_read_right(capsys: pytest.CaptureFixture[str]) -> None:
    share, size, lines = report()
    with capsys.disabled():
        print("\n" + "\n".join(lines))  # also in the run's summary (tests/conftest.py)
    assert size >= MIN_UTTERANCES, f"only {size} utterances"
    assert share >= BAR, f"{share:.1%} of the corpus read right, below {BAR:.0%}"
