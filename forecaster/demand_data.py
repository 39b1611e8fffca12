"""Windows for the demand network: scaling, padding, training sampler, validation windows, prediction.

A window is the last `context_length` values before a cut point, left-padded with zeros and a mask
for short histories, divided by the mean absolute value of its observed part (the scale); targets
are the next `max_horizon` values divided by the same scale, masked where the series has ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

MIN_CONTEXT = 4
"""Shortest history (periods) the network is trained and asked to forecast from."""


@dataclass(frozen=True)
class SeriesSet:
    """Training series (in-sample parts only) with their seasonal cycle and evaluation horizon."""

    values: list[np.ndarray]
    season_lengths: np.ndarray  # [N]
    horizons: np.ndarray  # [N]
    names: list[str]


def window_scale(observed: np.ndarray) -> float:
    scale = float(np.mean(np.abs(observed))) if len(observed) else 0.0
    return scale if scale > 1e-8 else 1.0


def make_context(values: np.ndarray, context_length: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Last `context_length` values -> (scaled context [L], mask [L], scale)."""
    observed = np.asarray(values[-context_length:], dtype=np.float64)
    scale = window_scale(observed)
    context = np.zeros(context_length, dtype=np.float32)
    mask = np.zeros(context_length, dtype=np.float32)
    if len(observed):
        context[-len(observed):] = observed / scale
        mask[-len(observed):] = 1.0
    return context, mask, scale


class WindowSampler:
    """Samples random (context, mask, season, target, target_mask) windows from the training series.

    Cut points are drawn uniformly from each series' last `lookback_horizons` x its horizon periods
    (N-BEATS' L_H rule), series uniformly; a series' last `holdout` values can be excluded.
    """

    def __init__(
        self, series: SeriesSet, context_length: int, max_horizon: int, lookback_horizons: int = 20,
        holdout: Sequence[int] | None = None,
    ) -> None:
        self.series = series
        self.context_length, self.max_horizon = context_length, max_horizon
        ends = [len(v) - (holdout[i] if holdout is not None else 0) for i, v in enumerate(series.values)]
        self.ends = np.array(ends)
        self.first_cut = np.maximum(MIN_CONTEXT, self.ends - lookback_horizons * series.horizons)
        self.valid = np.flatnonzero(self.ends > self.first_cut)

    def sample(self, count: int, rng: np.random.Generator) -> tuple[torch.Tensor, ...]:
        picks = rng.choice(self.valid, size=count)
        cuts = rng.integers(self.first_cut[picks], self.ends[picks])
        return self._windows(picks, cuts)

    def _windows(self, picks: np.ndarray, cuts: np.ndarray) -> tuple[torch.Tensor, ...]:
        size, horizon = len(picks), self.max_horizon
        contexts = np.zeros((size, self.context_length), np.float32)
        masks = np.zeros_like(contexts)
        targets = np.zeros((size, horizon), np.float32)
        target_masks = np.zeros_like(targets)
        for row, (index, cut) in enumerate(zip(picks, cuts, strict=True)):
            values = self.series.values[index]
            contexts[row], masks[row], scale = make_context(values[:cut], self.context_length)
            future = values[cut : min(cut + horizon, self.ends[index])] / scale
            targets[row, : len(future)] = future
            target_masks[row, : len(future)] = 1.0
        seasons = torch.from_numpy(self.series.season_lengths[picks].astype(np.int64))
        return (torch.from_numpy(contexts), torch.from_numpy(masks), seasons,
                torch.from_numpy(targets), torch.from_numpy(target_masks))

    def holdout_windows(self, holdout: Sequence[int]) -> tuple[torch.Tensor, ...]:
        """One window per series cut `holdout[i]` before its end, targets masked to that horizon."""
        picks = np.arange(len(self.series.values))
        cuts = np.array([len(v) - h for v, h in zip(self.series.values, holdout, strict=True)])
        saved = self.ends
        self.ends = np.array([len(v) for v in self.series.values])
        try:
            windows = self._windows(picks, cuts)
        finally:
            self.ends = saved
        steps = torch.arange(self.max_horizon)[None, :]
        windows[4].mul_((steps < torch.as_tensor(np.asarray(holdout))[:, None]).float())
        return windows


@torch.no_grad()
def predict_quantiles(
    net: torch.nn.Module, histories: Sequence[np.ndarray], season_lengths: Sequence[int], horizon: int,
    context_length: int, max_horizon: int,
) -> np.ndarray:
    """Quantile forecasts in original units, [B, horizon, Q]; beyond `max_horizon` the median is fed
    back recursively (the band of later steps then comes from the recursive pass)."""
    histories = [np.asarray(h, dtype=np.float64) for h in histories]
    parts: list[np.ndarray] = []
    produced = 0
    while produced < horizon:
        windows = [make_context(h, context_length) for h in histories]
        context = torch.from_numpy(np.stack([w[0] for w in windows]))  # [B, L]
        mask = torch.from_numpy(np.stack([w[1] for w in windows]))  # [B, L]
        scales = np.array([w[2] for w in windows])[:, None, None]  # [B, 1, 1]
        seasons = torch.as_tensor(np.asarray(season_lengths, dtype=np.int64))
        scaled = net(context, mask, seasons).float().numpy()  # [B, H, Q]
        step = min(max_horizon, horizon - produced)
        block = scaled[:, :step] * scales
        parts.append(block)
        produced += step
        median = block[:, :, block.shape[2] // 2]
        histories = [np.concatenate([h, m]) for h, m in zip(histories, median, strict=True)]
    return np.concatenate(parts, axis=1)
