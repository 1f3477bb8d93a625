"""The pattern extractor measured against hand labels (tests/data/contracts); figures in RESULTS.md."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.data.contracts.measure import HERE, Score, measure, render


def test_the_labelled_set_is_at_least_twenty_contracts_each_labelled() -> None:
    labels = yaml.safe_load((HERE / "labels.yaml").read_text())
    assert len(labels) >= 20
    assert all((HERE / name).is_file() for name in labels)


def test_precision_and_recall_stay_above_their_floors() -> None:
    scores, misses = measure()
    total = Score(*(sum(getattr(s, k) for s in scores.values()) for k in ("tp", "fp", "fn")))
    assert total.precision >= 0.95, misses
    assert total.recall >= 0.85, misses
    for field, score in scores.items():
        assert score.precision >= 0.6 and score.recall >= 0.6, (field, score, misses)


def test_results_md_is_current() -> None:
    scores, misses = measure()
    contracts = len(yaml.safe_load((HERE / "labels.yaml").read_text()))
    assert Path(HERE / "RESULTS.md").read_text() == render(scores, misses, contracts), (
        "run `python -m tests.data.contracts.measure` and commit RESULTS.md"
    )
