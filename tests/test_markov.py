"""The constrained Markov model: exact lengths, constraints kept, no dead ends."""

import random

import numpy as np
import pytest

from stepista.markov import PhraseModel, Token, Unsatisfiable
from stepista.styles import parse_phrase

CORPUS = [parse_phrase(p) for p in ["0 2 4 2 0@4 ~ 4 2@2 0@4", "4@2 2 0 ~@2 -1 0@4 2@2 4@2 2@2"]]


def test_fills_exactly_and_respects_unary_constraints():
    model = PhraseModel(CORPUS)
    for seed in range(30):
        mask = model.mask(64)
        mask[::4] *= ~model.is_rest & np.isin(model.degrees % 7, [0, 2, 4])  # chord tones on beats
        mask[0] *= (model.degrees == 0) & ~model.is_rest
        line = model.generate(64, mask, random.Random(seed))
        assert line[0][1] == Token(0, line[0][1].steps)
        assert sum(t.steps for _, t in line[:-1]) < 64 <= sum(t.steps for _, t in line)
        for start, tok in line:
            if start % 4 == 0:
                assert tok.degree is not None and tok.degree % 7 in (0, 2, 4)


def test_order_3_without_smoothing_replays_corpus_transitions():
    model = PhraseModel(CORPUS)
    seen = {(a.degree, a.steps, b.degree, b.steps) for p in CORPUS for a, b in zip(p, p[1:] + p[:1])}
    line = model.generate(64, model.mask(64), random.Random(2), order=3, smoothing=0.0)
    pairs = {(a.degree, a.steps, b.degree, b.steps) for (_, a), (_, b) in zip(line, line[1:])}
    assert pairs <= seen


def test_unsatisfiable_constraints_raise_a_clear_error():
    model = PhraseModel(CORPUS)
    mask = model.mask(16)
    mask[4] = 0  # nothing may start on step 4, and no token spans steps 0-7 exactly over it
    mask[0] = model.is_rest & (model.token_steps == 1)
    with pytest.raises(Unsatisfiable):
        model.generate(16, np.where(model.token_steps == 1, 1.0, 0.0) * mask, random.Random(1))


def test_same_seed_same_line():
    model = PhraseModel(CORPUS)
    a = model.generate(32, model.mask(32), random.Random(5), smoothing=0.3, order=1)
    b = model.generate(32, model.mask(32), random.Random(5), smoothing=0.3, order=1)
    assert a == b
