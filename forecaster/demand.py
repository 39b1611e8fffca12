"""The global demand forecaster: an N-BEATS-style residual MLP with monotone quantile outputs.

One network is trained across thousands of series (M3) on windows scaled by their own mean level,
so it forecasts a new product's history without per-series fitting. Inputs are the last
`context_length` values (left-padded with a mask for short histories) and a one-hot of the seasonal
cycle length; outputs are `max_horizon` x quantiles, made monotone by construction (the median plus
cumulative softplus steps). An artifact may hold several members (different seeds, history lengths
and training losses) whose quantiles are averaged level by level (or combined by their median).
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
        if torch.is_grad_enabled():
            up_steps, down_steps = F.softplus(raw[..., self.anchor + 1 :]), F.softplus(raw[..., : self.anchor])
        else:
            # inference: one softplus over the contiguous tensor is several times faster than two on strided
            # slices; training keeps the slices because the two round differently in the last bit, and
            # retraining must reproduce the shipped artifacts bit for bit
            steps = F.softplus(raw)
            up_steps, down_steps = steps[..., self.anchor + 1 :], steps[..., : self.anchor]
        middle = raw[..., self.anchor : self.anchor + 1]
        up = middle + torch.cumsum(up_steps, dim=-1)
        down_steps = down_steps.flip(-1)
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

    def forward(
        self, residual: torch.Tensor, extra: torch.Tensor, with_backcast: bool = True
    ) -> tuple[torch.Tensor | None, torch.Tensor]:
        hidden = self.mlp(torch.cat([residual, extra], dim=1))  # [B, hidden]
        forecast = self.forecast(hidden).view(-1, self.horizon, self.n_quantiles)  # [B, H, Q]
        return (self.backcast(hidden) if with_backcast else None), forecast


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
        last = len(self.blocks) - 1
        for index, block in enumerate(self.blocks):
            # the last block's backcast feeds nothing: inference skips it (training keeps it so that its
            # weights decay exactly as they always have and retraining reproduces artifacts bit for bit)
            backcast, forecast = block(residual, extra, with_backcast=index < last or self.training)
            if backcast is not None:
                residual = (residual - backcast) * mask
            total = total + forecast
        return self.head(total)


AGGREGATIONS = ("median", "mean")
"""How an ensemble combines its members' quantiles, level by level."""


class DemandEnsemble(nn.Module):
    """Members that differ in seed, in how much history they look at and in their training loss.

    Their quantiles are combined level by level: the mean over members (the default) or the median
    (N-BEATS' robust choice; the mean of the two middle members for an even count). Either keeps quantiles non-crossing
    because every member's are.

    Args:
        members: number of DemandNet members.
        member_context_lengths: context length of each member (cycled); defaults to `context_length`.
        aggregation: "median" or "mean" over members (artifacts without the key were trained as "mean").
        **config: DemandNet arguments shared by all members (`context_length` is the window length fed in).
    """

    def __init__(
        self, members: int = 1, member_context_lengths: list[int] | None = None, aggregation: str = "mean",
        **config: int,
    ) -> None:
        super().__init__()
        if aggregation not in AGGREGATIONS:
            raise ValueError(f"aggregation must be one of {AGGREGATIONS}, got {aggregation!r}")
        lengths = member_context_lengths or [config.get("context_length", 48)]
        self.members = nn.ModuleList(
            DemandNet(**{**config, "context_length": lengths[k % len(lengths)]}) for k in range(members)
        )
        self.aggregation = aggregation

    def forward(self, context: torch.Tensor, mask: torch.Tensor, season_lengths: torch.Tensor) -> torch.Tensor:
        stacked = None if self.training or torch.is_grad_enabled() else self._stacked()
        if stacked is None:
            outputs = torch.stack([member(context, mask, season_lengths) for member in self.members])  # [M, B, H, Q]
        else:
            outputs = stacked.forward(context, mask, season_lengths)
        return aggregate_members(outputs, self.aggregation)

    def _stacked(self) -> StackedMembers | None:
        """Stacked weights for inference (None when members differ in size); rebuilt whenever a parameter
        changed in place or moved (training, load_state_dict, `.to()`, a deep copy). The parameters are
        collected once (walking the modules cost about a tenth of a small forecast call), so a member
        module replaced after the first inference is not seen: build a new ensemble instead."""
        members = [m for m in self.members if isinstance(m, DemandNet)]
        if len({(_blocks(m)[0].forecast.in_features, len(m.blocks)) for m in members}) != 1:
            return None
        parameters = self.__dict__.get("_parameter_list")
        if parameters is None:
            parameters = self.__dict__["_parameter_list"] = list(self.parameters())
        key = tuple((p.data_ptr(), p._version) for p in parameters)
        cached = self.__dict__.get("_stacked_cache")
        if cached is None or cached[0] != key:
            cached = (key, StackedMembers(members))
            self.__dict__["_stacked_cache"] = cached
        return cached[1]


class StackedMembers:
    """Every member's weights stacked so that inference runs all members in one batched pass.

    Members see different history lengths; each member's weights are zero-padded to the longest one
    (zero columns for the older inputs, zero backcast rows), which gives the same numbers as running
    the members one by one (up to float rounding) with a fraction of the per-operation overhead.
    """

    def __init__(self, members: list[DemandNet]) -> None:
        self.length = max(m.context_length for m in members)
        self.blocks = len(members[0].blocks)
        weights = [self._padded(m) for m in members]
        stack = lambda name: torch.stack([w[name] for w in weights])  # noqa: E731
        self.extra_weight = torch.cat([w["extra"] for w in weights], dim=1)  # [L + C, M * blocks * hidden]
        self.extra_bias = torch.cat([w["extra_bias"] for w in weights])
        self.input_weight = stack("input")  # [M, blocks, L, hidden]
        depth = sum(1 for name in weights[0] if name.startswith("hidden_bias"))
        self.hidden_layers = [(stack(f"hidden{k}"), stack(f"hidden_bias{k}"))  # [M, blocks, hid, hid], [M, blocks, hid]
                              for k in range(depth)]
        self.backcast, self.backcast_bias = stack("backcast"), stack("backcast_bias")  # [M, blocks, hidden, L]
        self.forecast, self.forecast_bias = stack("forecast"), stack("forecast_bias")  # [M, blocks*hidden, H*Q]
        self.members = len(members)
        self.horizon, self.n_quantiles = _blocks(members[0])[0].horizon, _blocks(members[0])[0].n_quantiles
        self.head = members[0].head

    def _padded(self, member: DemandNet) -> dict[str, torch.Tensor]:
        own, length = member.context_length, self.length
        extra, extra_bias, inputs, back, back_bias = [], [], [], [], []
        hidden: dict[int, list[torch.Tensor]] = {}
        hidden_bias: dict[int, list[torch.Tensor]] = {}
        for block in _blocks(member):
            linears = [m for m in block.mlp if isinstance(m, nn.Linear)]
            first = linears[0]
            weight = first.weight.detach()  # [hidden, own (values) + own (mask) + C]
            width = weight.shape[0]
            values = torch.zeros(length, width)
            values[length - own :] = weight[:, :own].T
            mask_and_season = torch.zeros(length + weight.shape[1] - 2 * own, width)
            mask_and_season[length - own : length] = weight[:, own : 2 * own].T
            mask_and_season[length:] = weight[:, 2 * own :].T
            inputs.append(values)
            extra.append(mask_and_season)
            extra_bias.append(first.bias.detach())
            for k, linear in enumerate(linears[1:]):
                hidden.setdefault(k, []).append(linear.weight.detach().T)
                hidden_bias.setdefault(k, []).append(linear.bias.detach())
            padded_back = torch.zeros(width, length)
            padded_back[:, length - own :] = block.backcast.weight.detach().T
            padded_back_bias = torch.zeros(length)
            padded_back_bias[length - own :] = block.backcast.bias.detach()
            back.append(padded_back)
            back_bias.append(padded_back_bias)
        result = {
            "extra": torch.cat(extra, dim=1), "extra_bias": torch.cat(extra_bias), "input": torch.stack(inputs),
            "backcast": torch.stack(back), "backcast_bias": torch.stack(back_bias),
            "forecast": torch.cat([b.forecast.weight.detach().T for b in _blocks(member)]),
            "forecast_bias": torch.stack([b.forecast.bias.detach() for b in _blocks(member)]).sum(dim=0),
        }
        for k in hidden:
            result[f"hidden{k}"], result[f"hidden_bias{k}"] = torch.stack(hidden[k]), torch.stack(hidden_bias[k])
        return result

    def forward(self, context: torch.Tensor, mask: torch.Tensor, season_lengths: torch.Tensor) -> torch.Tensor:
        # context, mask: [B, L'] (last L used); season_lengths: [B] -> [M, B, H, Q]
        context, mask = context[:, -self.length :], mask[:, -self.length :]
        batch = context.shape[0]
        extra = torch.cat([mask, season_one_hot(season_lengths)], dim=1)  # [B, L + C]
        from_extra = torch.addmm(self.extra_bias, extra, self.extra_weight)  # [B, M * blocks * hidden]
        from_extra = from_extra.view(batch, self.members, self.blocks, -1).permute(1, 2, 0, 3)  # [M, blocks, B, hid]
        residual = context.expand(self.members, batch, self.length)  # [M, B, L]
        hiddens = []
        for index in range(self.blocks):
            hidden = torch.relu(torch.baddbmm(from_extra[:, index], residual, self.input_weight[:, index]))
            for weight, bias in self.hidden_layers:
                hidden = torch.relu(torch.baddbmm(bias[:, index, None], hidden, weight[:, index]))  # [M, B, hid]
            hiddens.append(hidden)
            if index < self.blocks - 1:
                backcast = torch.baddbmm(self.backcast_bias[:, index, None], hidden, self.backcast[:, index])
                residual = (residual - backcast) * mask
        total = torch.baddbmm(self.forecast_bias[:, None], torch.cat(hiddens, dim=2), self.forecast)  # [M, B, H*Q]
        return self.head(total.view(self.members, batch, self.horizon, self.n_quantiles))


def _blocks(member: DemandNet) -> list[ResidualBlock]:
    return [block for block in member.blocks if isinstance(block, ResidualBlock)]


def aggregate_members(outputs: torch.Tensor, aggregation: str) -> torch.Tensor:
    """[M, B, H, Q] member quantiles -> [B, H, Q]: level-wise median (mean of the middle two) or mean."""
    if aggregation == "mean" or outputs.shape[0] <= 2:
        return outputs.mean(dim=0)
    ordered = outputs.sort(dim=0).values
    count = outputs.shape[0]
    return ordered[(count - 1) // 2 : count // 2 + 1].mean(dim=0)


def pinball_loss(
    predicted: torch.Tensor, target: torch.Tensor, target_mask: torch.Tensor, quantiles: torch.Tensor
) -> torch.Tensor:
    """Mean pinball loss over observed targets: predicted [B, H, Q], target/mask [B, H], quantiles [Q]."""
    error = target[..., None] - predicted  # [B, H, Q]
    loss = torch.maximum(quantiles * error, (quantiles - 1) * error)  # [B, H, Q]
    weights = target_mask[..., None].expand_as(loss)
    return (loss * weights).sum() / weights.sum().clamp_min(1.0)


def smape_loss(median: torch.Tensor, target: torch.Tensor, target_mask: torch.Tensor) -> torch.Tensor:
    """Mean sMAPE (as a fraction, 0..2) of the median over observed targets: median/target/mask [B, H].

    Scale-free, so it is the competition metric whether the windows are scaled or not; points where
    both are zero count as exact.
    """
    denominator = (target.abs() + median.abs()).clamp_min(1e-6)
    ratio = 2.0 * (target - median).abs() / denominator  # [B, H]
    return (ratio * target_mask).sum() / target_mask.sum().clamp_min(1.0)
