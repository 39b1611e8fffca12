"""The global demand forecaster: an N-BEATS-style residual MLP with monotone quantile outputs.

One network is trained across thousands of series (M3) on windows scaled by their own mean level,
so it forecasts a new product's history without per-series fitting. Inputs are the last
`context_length` values (left-padded with a mask for short histories) and a one-hot of the seasonal
cycle length; outputs are `max_horizon` x quantiles, made monotone by construction (the median plus
cumulative softplus steps). An artifact may hold several members trained with different seeds whose
quantiles are averaged.
"""

from __future__ import annotations

import itertools

import torch
from torch import nn
from torch.nn import functional as F

SEASON_CLASSES = (1, 4, 12)
"""Cycle lengths with their own one-hot position; any other cycle length shares the last position."""


def season_one_hot(season_lengths: torch.Tensor) -> torch.Tensor:
    """[B] cycle lengths -> [B, len(SEASON_CLASSES) + 1] one-hot."""
    classes = torch.tensor(SEASON_CLASSES, device=season_lengths.device)
    match = season_lengths[:, None] == classes[None, :]  # [B, C]
    other = ~match.any(dim=1, keepdim=True)  # [B, 1]
    return torch.cat([match, other], dim=1).float()


class MonotoneQuantileHead(nn.Module):
    """Turns unconstrained outputs into non-crossing quantiles.

    Args:
        n_quantiles: number of quantile levels, sorted ascending; the middle one is the anchor.
    """

    def __init__(self, n_quantiles: int) -> None:
        super().__init__()
        self.anchor = n_quantiles // 2

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        # [B, H, Q] unconstrained -> [B, H, Q] non-decreasing along Q
        middle = raw[..., self.anchor : self.anchor + 1]
        up = middle + torch.cumsum(F.softplus(raw[..., self.anchor + 1 :]), dim=-1)
        down_steps = F.softplus(raw[..., : self.anchor]).flip(-1)
        down = (middle - torch.cumsum(down_steps, dim=-1)).flip(-1)
        return torch.cat([down, middle, up], dim=-1)


class ResidualBlock(nn.Module):
    """One N-BEATS generic block: an MLP that emits a backcast (removed from the input) and a forecast.

    Args:
        context_length: input window length L.
        extra_features: mask + season one-hot width appended to the residual input.
        horizon: forecast length H.
        n_quantiles: Q.
        hidden: MLP width.
        layers: MLP depth.
    """

    def __init__(
        self, context_length: int, extra_features: int, horizon: int, n_quantiles: int, hidden: int, layers: int
    ) -> None:
        super().__init__()
        widths = [context_length + extra_features] + [hidden] * layers
        self.mlp = nn.Sequential(*[m for a, b in itertools.pairwise(widths)
                                   for m in (nn.Linear(a, b), nn.ReLU())])
        self.backcast = nn.Linear(hidden, context_length)
        self.forecast = nn.Linear(hidden, horizon * n_quantiles)
        self.horizon, self.n_quantiles = horizon, n_quantiles

    def forward(self, residual: torch.Tensor, extra: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.mlp(torch.cat([residual, extra], dim=1))  # [B, hidden]
        forecast = self.forecast(hidden).view(-1, self.horizon, self.n_quantiles)  # [B, H, Q]
        return self.backcast(hidden), forecast


class DemandNet(nn.Module):
    """Global quantile forecaster on scaled windows.

    Args:
        context_length: L, number of past periods the network sees.
        max_horizon: H, number of periods it forecasts at once.
        n_quantiles: Q, number of quantile levels (sorted ascending, odd, median in the middle).
        hidden: width of each block's MLP.
        blocks: number of residual blocks.
        layers: depth of each block's MLP.
    """

    def __init__(
        self, context_length: int = 48, max_horizon: int = 24, n_quantiles: int = 11,
        hidden: int = 256, blocks: int = 3, layers: int = 2,
    ) -> None:
        super().__init__()
        extra = context_length + len(SEASON_CLASSES) + 1
        self.blocks = nn.ModuleList(
            ResidualBlock(context_length, extra, max_horizon, n_quantiles, hidden, layers) for _ in range(blocks)
        )
        self.head = MonotoneQuantileHead(n_quantiles)

        self.context_length = context_length

    def forward(self, context: torch.Tensor, mask: torch.Tensor, season_lengths: torch.Tensor) -> torch.Tensor:
        # context, mask: [B, L'] with L' >= L (only the last L are used); season_lengths: [B] -> [B, H, Q]
        context, mask = context[:, -self.context_length :], mask[:, -self.context_length :]
        extra = torch.cat([mask, season_one_hot(season_lengths)], dim=1)  # [B, L + C]
        residual = context
        total = torch.zeros(())
        for block in self.blocks:
            backcast, forecast = block(residual, extra)
            residual = (residual - backcast) * mask
            total = total + forecast
        return self.head(total)


class DemandEnsemble(nn.Module):
    """Members that differ in seed and in how much history they look at; quantiles are averaged.

    Args:
        members: number of DemandNet members.
        member_context_lengths: context length of each member (cycled); defaults to `context_length`.
        **config: DemandNet arguments shared by all members (`context_length` is the window length fed in).
    """

    def __init__(self, members: int = 1, member_context_lengths: list[int] | None = None, **config: int) -> None:
        super().__init__()
        lengths = member_context_lengths or [config.get("context_length", 48)]
        self.members = nn.ModuleList(
            DemandNet(**{**config, "context_length": lengths[k % len(lengths)]}) for k in range(members)
        )

    def forward(self, context: torch.Tensor, mask: torch.Tensor, season_lengths: torch.Tensor) -> torch.Tensor:
        outputs = [member(context, mask, season_lengths) for member in self.members]  # M x [B, H, Q]
        return torch.stack(outputs, dim=0).mean(dim=0)


def pinball_loss(
    predicted: torch.Tensor, target: torch.Tensor, target_mask: torch.Tensor, quantiles: torch.Tensor
) -> torch.Tensor:
    """Mean pinball loss over observed targets: predicted [B, H, Q], target/mask [B, H], quantiles [Q]."""
    error = target[..., None] - predicted  # [B, H, Q]
    loss = torch.maximum(quantiles * error, (quantiles - 1) * error)  # [B, H, Q]
    weights = target_mask[..., None].expand_as(loss)
    return (loss * weights).sum() / weights.sum().clamp_min(1.0)
