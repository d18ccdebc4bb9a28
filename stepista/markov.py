"""A constrained, variable-order Markov model of phrases (after Pachet, Roy and
Barbieri, "Finite-Length Markov Processes with Constraints", IJCAI 2011).

A phrase is a chain of tokens: a scale degree (or a rest) held for a number of
16th steps. The model learns transitions of orders 1 to 3 from a style's
corpus. To write ``steps`` 16ths of music it:

1. takes a *unary constraint* per grid position: a mask of the tokens allowed
   to start there (scale or chord tones, rests, the root first);
2. prunes backwards: a token may start at position t only if, after it, the
   remaining positions can still be filled (each position's feasibility is
   computed from the end, summing transition weights, so it is also the
   backward message of the exact NEA construction for the first order);
3. samples forwards, mixing the higher-order prediction with the first order and
   weighting by feasibility, so the chain never meets a dead end.

If no sequence satisfies the constraints, `generate` raises `Unsatisfiable`;
callers relax constraints in a documented order (see `stepista.generate`).

>>> from .styles import parse_phrase
>>> import random
>>> model = PhraseModel([parse_phrase("0 2 4 2 0@4 ~ 4 2@2 0@4")])
>>> line = model.generate(16, model.mask(16), random.Random(1))
>>> sum(tok.steps for _, tok in line)
16
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["Token", "PhraseModel", "Unsatisfiable"]


class Unsatisfiable(ValueError):
    """No sequence of the requested length meets the constraints."""


@dataclass(frozen=True, slots=True)
class Token:
    degree: int | None  # None is a rest
    steps: int


class PhraseModel:
    """Variable-order transition counts over `Token`s, learned from phrases."""

    def __init__(self, phrases: Sequence[Sequence], max_order: int = 3, extra: Sequence[Token] = ()):
        seqs = [[Token(s.degree, s.steps) for s in phrase] for phrase in phrases if phrase]
        vocab = sorted({t for seq in seqs for t in seq} | set(extra), key=_token_key)
        self.tokens: list[Token] = vocab
        self.index = {t: i for i, t in enumerate(vocab)}
        self.max_order = max_order
        self.accent_rate, self.slide_rate = _marks(phrases)
        v = len(vocab)
        self.first = np.zeros((v, v))
        self.start = np.full(v, 1e-9)
        self.contexts: dict[tuple, Counter] = defaultdict(Counter)
        for seq in seqs:
            ids = [self.index[t] for t in seq]
            self.start[ids[0]] += 1
            looped = ids + ids[:max_order]  # phrases loop: their end leads back to their start
            for i in range(1, len(looped)):
                self.first[looped[i - 1], looped[i]] += 1
                for order in range(2, max_order + 1):
                    if i - order >= 0:
                        self.contexts[tuple(looped[i - order : i])][looped[i]] += 1
        self.lengths = sorted({t.steps for t in vocab})
        self.by_length = {n: np.array([i for i, t in enumerate(vocab) if t.steps == n]) for n in self.lengths}
        self.token_steps = np.array([t.steps for t in vocab])
        self.context_p = {ctx: _normalised(counts, v) for ctx, counts in self.contexts.items()}
        self.is_rest = np.array([t.degree is None for t in vocab])
        self.degrees = np.array([0 if t.degree is None else t.degree for t in vocab])

    def mask(self, steps: int) -> np.ndarray:
        """An all-allowed constraint mask (steps x tokens) for callers to narrow."""
        return np.ones((steps, len(self.tokens)))

    def transition(self, smoothing: float) -> np.ndarray:
        """First-order probabilities, with ``smoothing`` of the mass spread over all tokens."""
        rows = self.first + 1e-12
        rows = rows / rows.sum(axis=1, keepdims=True)
        return (1 - smoothing) * rows + smoothing / len(self.tokens)

    def generate(
        self,
        steps: int,
        mask: np.ndarray,
        rng: random.Random,
        *,
        order: int = 3,
        smoothing: float = 0.0,
        previous: Sequence[Token] = (),
    ) -> list[tuple[int, Token]]:
        """``[(start step, token)]`` filling exactly ``steps`` 16ths (the last token may be cut).

        ``mask[t][i]`` is 1 where token i may start at step t (the unary constraints)."""
        trans = self.transition(smoothing)
        beta = self._backward(steps, mask, trans)
        feasible = mask * beta  # where each token may start, weighted by how well it can finish
        start = self.start / self.start.sum() * (1 - smoothing) + smoothing / len(self.tokens)
        context = [self.index[t] for t in previous if t in self.index]
        memo: dict[tuple, np.ndarray] = {}
        out, t = [], 0
        while t < steps:
            if context:
                key = tuple(context[-order:]) if order > 1 else (context[-1],)
                p = memo.get(key)
                if p is None:
                    p = memo[key] = self._predict(trans, context, order)
            else:
                p = start
            w = p * feasible[t]
            cumulative = np.cumsum(w)
            total = cumulative[-1]
            if total <= 0:
                raise Unsatisfiable(f"no token can start at step {t} of {steps}")
            i = min(int(np.searchsorted(cumulative, rng.random() * total, side="right")), len(w) - 1)
            out.append((t, self.tokens[i]))
            context.append(i)
            t += self.tokens[i].steps
        return out

    # -- the pieces ------------------------------------------------------------
    def _backward(self, steps: int, mask: np.ndarray, trans: np.ndarray) -> np.ndarray:
        """beta[t][x]: how well token x starting at t can be completed to the end."""
        v = len(self.tokens)
        if steps > 1 and mask[1:].all():
            # Nothing after the first step is constrained, and every row of `trans`
            # sums to 1, so every token completes with weight 1 (by induction from the end).
            if not mask[0].any():
                raise Unsatisfiable(f"no sequence of {steps} steps meets the constraints")
            return np.ones((steps, v))
        beta = np.zeros((steps, v))
        # onward[t][x]: the weight of continuing from token x into a token starting at t
        onward = np.ones((steps + max(self.lengths) + 1, v))
        columns = np.arange(v)
        for t in range(steps - 1, -1, -1):
            row = onward[t + self.token_steps, columns]
            top = row.max()
            beta[t] = row / top if top > 0 else row  # only ratios matter: keep numbers in range
            onward[t] = trans @ (mask[t] * beta[t])
        if not (mask[0] * beta[0]).any():
            raise Unsatisfiable(f"no sequence of {steps} steps meets the constraints")
        return beta

    def _predict(self, trans: np.ndarray, context: list[int], order: int) -> np.ndarray:
        p = trans[context[-1]].copy()
        for k in range(min(order, self.max_order, len(context)), 1, -1):
            high = self.context_p.get(tuple(context[-k:]))
            if high is not None:
                return 0.75 * high + 0.25 * p
        return p


def _normalised(counts: Counter, size: int) -> np.ndarray:
    out = np.zeros(size)
    for i, c in counts.items():
        out[i] = c
    return out / out.sum()


def _token_key(t: Token):
    return (t.degree is None, t.degree if t.degree is not None else 0, t.steps)


def _marks(phrases) -> tuple[dict, dict]:
    """How often each (degree, steps) carries an accent or a slide in the corpus."""
    seen, accents, slides = Counter(), Counter(), Counter()
    for phrase in phrases:
        for s in phrase:
            key = Token(s.degree, s.steps)
            seen[key] += 1
            accents[key] += s.accent
            slides[key] += s.slide
    return ({k: accents[k] / n for k, n in seen.items()}, {k: slides[k] / n for k, n in seen.items()})
