"""The tabular classifier shared by defect prediction (plant simulator, Steel Plates) and failure risk (AI4I).

A small MLP over standardised inputs whose normalisation constants and calibration temperature are
buffers, so they travel inside the safetensors state_dict. Calibration: one temperature fitted on the
validation split (never the test split) after early stopping. Subclasses may add derived inputs
(e.g. the AI4I physics features) by overriding `derive`, inside the graph, so integrated gradients
attribute to the raw, named inputs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from forecaster.device import seed_everything
from forecaster.training import Batch, TrainConfig, TrainResult, fit, tensor_batches


class TabularNet(nn.Module):
    """MLP classifier on standardised inputs, with stored normalisation and temperature.

    Args:
        in_features: number of raw inputs F.
        n_classes: output classes C (2 for binary risk, where class 1 is "failure").
        hidden: width of the hidden layers.
        layers: number of hidden layers.
        dropout: dropout between hidden layers during training.
        derived_features: width of the optional feature layer's output (0 when there is none).
    """

    input_mean: torch.Tensor
    input_std: torch.Tensor
    temperature: torch.Tensor

    def __init__(
        self, in_features: int, n_classes: int, hidden: int = 128, layers: int = 2, dropout: float = 0.1,
        derived_features: int = 0,
    ) -> None:
        super().__init__()
        widths = [in_features + derived_features] + [hidden] * layers
        blocks: list[nn.Module] = []
        for a, b in itertools.pairwise(widths):
            blocks += [nn.Linear(a, b), nn.GELU(), nn.Dropout(dropout)]
        self.body = nn.Sequential(*blocks)
        self.out = nn.Linear(widths[-1], n_classes)
        self.register_buffer("input_mean", torch.zeros(in_features))
        self.register_buffer("input_std", torch.ones(in_features))
        self.register_buffer("temperature", torch.ones(()))
        self.derived_features = derived_features

    def standardise(self, raw: torch.Tensor) -> torch.Tensor:
        # [B, F] in physical units -> [B, F] z-scores
        return (raw - self.input_mean) / self.input_std

    def derive(self, z: torch.Tensor) -> torch.Tensor:
        """Derived inputs computed from the z-scores inside the graph ([B, F] -> [B, D]); none here."""
        return z[:, :0]

    def derive_vjp(self, z: torch.Tensor, upstream: torch.Tensor) -> torch.Tensor:
        """upstream [B, D] x d derive / d z -> [B, F] (autograd here; subclasses may write it out)."""
        with torch.enable_grad():
            source = z.detach().clone().requires_grad_(True)
            (gradient,) = torch.autograd.grad(self.derive(source), source, grad_outputs=upstream)
        return gradient

    def logits_from_z(self, z: torch.Tensor) -> torch.Tensor:
        # [B, F] z-scores -> [B, C] calibrated logits
        inputs = torch.cat([z, self.derive(z)], dim=1) if self.derived_features else z
        return self.out(self.body(inputs)) / self.temperature

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        return self.logits_from_z(self.standardise(raw))


class ServingEnsemble:
    """Inference view of same-shaped TabularNet members, for serving small and large batches alike.

    The same arithmetic as the members' own forward passes (same weights, exact GELU, per-member
    temperature) but with the shared work done once: standardisation and derived inputs are computed
    once for all members, and each layer is one `addmm` on plain weight matrices, with no module
    dispatch. (Measured on the shipped risk ensemble, 1 thread: 7 machines x 43 rows 2.6 -> 1.0 ms,
    50 machines x 43 rows 7.9 -> 5.9 ms.) Small batches run all members at once instead, one `baddbmm`
    per layer over the stacked weights (`stacked_rows`). For large batches both ways of running the
    members together were slower: the stacked `baddbmm`, and the members' first layers as one `addmm`
    over their weights side by side (7.4 -> 14 ms at 3000 rows, from copying the strided blocks and
    the GELU over the wide result). It copies the weights, so rebuild it after further training.

    Args:
        members: trained TabularNets with identical shapes and normalisation buffers.
    """

    def __init__(self, members: list[TabularNet]) -> None:
        if not members:
            raise ValueError("ServingEnsemble needs at least one member")
        first = members[0]
        for member in members[1:]:
            for name, buffer in first.named_buffers():
                if name != "temperature" and not torch.equal(buffer, member.get_buffer(name)):
                    raise ValueError(f"members differ in buffer {name!r}; they cannot share one input pipeline")
        self.first = first
        with torch.no_grad():
            self.layers = [
                [(m.weight.T.contiguous().clone(), m.bias.detach().clone())
                 for m in (*net.body, net.out) if isinstance(m, nn.Linear)]
                for net in members
            ]
            self.temperatures = [float(net.temperature) for net in members]
            # the same weights stacked over members, for small batches (see `stacked_rows`)
            self.stacked = [(torch.stack([layers[i][0] for layers in self.layers]),
                             torch.stack([layers[i][1] for layers in self.layers]).unsqueeze(1))
                            for i in range(len(self.layers[0]))]  # [M, in, out], [M, 1, out]
            self.stacked_t = [weight.transpose(1, 2).contiguous() for weight, _ in self.stacked]  # [M, out, in]
            self.inverse_temperature = torch.tensor([1.0 / t for t in self.temperatures],
                                                    dtype=self.stacked[0][0].dtype).view(-1, 1, 1)

    def standardise(self, raw: torch.Tensor) -> torch.Tensor:
        return self.first.standardise(raw)

    def _inputs(self, z: torch.Tensor) -> torch.Tensor:
        return torch.cat([z, self.first.derive(z)], dim=1) if self.first.derived_features else z

    stacked_rows: int = 384
    """Batches of at most this many rows run all members at once (`baddbmm` over stacked weights: a few
    operations instead of a few per member, which is what small batches pay for); larger ones run
    member by member (one `addmm` per layer), which copies less. Measured on the shipped risk ensemble,
    1 thread, stacked against member by member: probabilities 0.37 / 0.63 ms at 70 rows, 0.99 / 1.52 ms
    at 322, 2.7 / 3.8 ms at 700; the explanation gradient 0.86 / 1.92 ms at 70 rows, 2.9 / 4.7 ms at
    322, but 13.0 / 5.4 ms at 700."""

    def probabilities(self, z: torch.Tensor) -> torch.Tensor:
        """[B, F] z-scores -> [B, C] the members' mean class probabilities."""
        inputs = self._inputs(z)
        if len(inputs) <= self.stacked_rows:
            return self._stacked_logits(inputs)[0].mul_(self.inverse_temperature).softmax(dim=2).mean(dim=0)
        total: torch.Tensor | None = None
        for layers, temperature in zip(self.layers, self.temperatures, strict=True):
            (weight, bias), *rest = layers
            hidden = torch.addmm(bias, inputs, weight)
            for weight, bias in rest:
                hidden = torch.addmm(bias, F.gelu(hidden), weight)
            member = F.softmax(hidden / temperature, dim=1)
            total = member if total is None else total + member
        assert total is not None
        return total / len(self.layers)

    def probability_gradient(self, z: torch.Tensor, target: int) -> tuple[torch.Tensor, torch.Tensor]:
        """P(class `target`) [B] of the ensemble and its gradient with respect to z [B, F].

        The backward pass is written out (softmax, `addmm` and exact-GELU derivatives, with GELU and
        its slope sharing one Phi, and the derived inputs' own `derive_vjp`), so explanations need no
        autograd graph. Same values as autograd (tests/forecaster/test_serving.py).
        """
        z = z.detach()
        inputs = self._inputs(z)
        if len(inputs) <= self.stacked_rows:
            return self._stacked_probability_gradient(z, inputs, target)
        probability = torch.zeros(len(z), dtype=z.dtype)
        gradient = torch.zeros_like(inputs)
        for layers, temperature in zip(self.layers, self.temperatures, strict=True):
            (weight, bias), *rest = layers
            pre = torch.addmm(bias, inputs, weight)
            slopes = []
            for weight, bias in rest:
                hidden, slope = _gelu_and_slope(pre)
                slopes.append(slope)
                pre = torch.addmm(bias, hidden, weight)
            classes = F.softmax(pre / temperature, dim=1)  # [B, C]
            chosen = classes[:, target]
            upstream = -chosen[:, None] * classes  # d p_target / d logit_j = p_t (delta_tj - p_j) / T
            upstream[:, target] += chosen
            upstream /= temperature
            for (weight, _), slope in zip(reversed(rest), reversed(slopes), strict=True):
                upstream = (upstream @ weight.T).mul_(slope)
            gradient.addmm_(upstream, layers[0][0].T)
            probability += chosen
        count = len(self.layers)
        return probability / count, self._direct_gradient(z, gradient / count)

    def _direct_gradient(self, z: torch.Tensor, gradient: torch.Tensor) -> torch.Tensor:
        """Gradient over the network's inputs (z and the derived inputs) -> over z alone."""
        width = z.shape[1]
        direct = gradient[:, :width]
        if self.first.derived_features:
            direct = direct + self.first.derive_vjp(z, gradient[:, width:])
        return direct

    def _stacked_logits(self, inputs: torch.Tensor, slopes: list[torch.Tensor] | None = None
                        ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Every member's logits (before temperature) at once: [B, F'] -> [M, B, C]; with `slopes`, the GELU
        slope of each hidden layer is appended to it."""
        (weight, bias), *rest = self.stacked
        pre = torch.baddbmm(bias, inputs.expand(len(weight), *inputs.shape), weight)
        for weight, bias in rest:
            if slopes is None:
                hidden = F.gelu(pre)
            else:
                hidden, slope = _gelu_and_slope(pre)
                slopes.append(slope)
            pre = torch.baddbmm(bias, hidden, weight)
        return pre, slopes or []

    def _stacked_probability_gradient(self, z: torch.Tensor, inputs: torch.Tensor, target: int
                                      ) -> tuple[torch.Tensor, torch.Tensor]:
        """`probability_gradient` with all members at once (small batches)."""
        logits, slopes = self._stacked_logits(inputs, [])
        classes = logits.mul_(self.inverse_temperature).softmax(dim=2)  # [M, B, C]
        chosen = classes[:, :, target]  # [M, B]
        upstream = -chosen[:, :, None] * classes
        upstream[:, :, target] += chosen
        upstream.mul_(self.inverse_temperature)
        for weight_t, slope in zip(reversed(self.stacked_t[1:]), reversed(slopes), strict=True):
            upstream = torch.bmm(upstream, weight_t).mul_(slope)
        gradient = torch.bmm(upstream, self.stacked_t[0]).mean(dim=0)  # [B, F']
        return chosen.mean(dim=0), self._direct_gradient(z, gradient)


_INV_SQRT2 = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327


def _gelu_and_slope(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The exact GELU x * Phi(x) and its derivative Phi(x) + x * phi(x), sharing Phi."""
    cdf = torch.erf(x * _INV_SQRT2).mul_(0.5).add_(0.5)
    density = torch.exp(x.square().mul_(-0.5))  # sqrt(2 pi) x phi(x)
    return x * cdf, torch.addcmul(cdf, x, density, value=_INV_SQRT_2PI)


@dataclass(frozen=True)
class TabularSettings:
    """Hyper-parameters of one tabular model (recorded in artifact metadata).

    Args:
        hidden, layers, dropout: network size (see TabularNet).
        batch_size, max_epochs, patience, learning_rate, weight_decay: optimisation.
        members: ensemble size for benchmarks (probabilities averaged).
        seed: base seed.
    """

    hidden: int = 128
    layers: int = 2
    dropout: float = 0.1
    batch_size: int = 256
    max_epochs: int = 200
    patience: int = 20
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    members: int = 1
    seed: int = 0


def fit_normalisation(net: TabularNet, features: np.ndarray, std_floor: float = 1e-6) -> None:
    net.input_mean.copy_(torch.from_numpy(features.mean(axis=0).astype(np.float32)))
    net.input_std.copy_(torch.from_numpy(np.maximum(features.std(axis=0), std_floor).astype(np.float32)))


def _cross_entropy(model: nn.Module, batch: Batch) -> torch.Tensor:
    features, labels = batch
    return F.cross_entropy(model(features), labels)


def fit_temperature(net: TabularNet, features: np.ndarray, labels: np.ndarray) -> float:
    """Set the temperature minimising validation log-loss (LBFGS on log T); returns T."""
    net.temperature.fill_(1.0)
    with torch.no_grad():
        logits = net(torch.from_numpy(features)).float()
    log_t = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.1, max_iter=100)
    targets = torch.from_numpy(labels)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(logits / log_t.exp(), targets)
        loss.backward()
        return loss

    optimizer.step(closure)
    temperature = float(log_t.detach().exp().clamp(0.05, 20.0))
    net.temperature.fill_(temperature)
    return temperature


def train_tabular(
    net: TabularNet, train: tuple[np.ndarray, np.ndarray], validation: tuple[np.ndarray, np.ndarray],
    settings: TabularSettings, device: torch.device, show_progress: bool = False, description: str = "tabular",
) -> TrainResult:
    """Seed and (re)initialise the weights, fit normalisation on the training split, train with early
    stopping, calibrate the temperature. The result depends only on the data and `settings.seed`."""
    seed_everything(settings.seed)
    for module in net.modules():
        if isinstance(module, nn.Linear):
            module.reset_parameters()
    x_train, y_train = train[0].astype(np.float32), train[1].astype(np.int64)
    x_val, y_val = validation[0].astype(np.float32), validation[1].astype(np.int64)
    fit_normalisation(net, x_train)
    config = TrainConfig(max_epochs=settings.max_epochs, learning_rate=settings.learning_rate,
                         weight_decay=settings.weight_decay, patience=settings.patience, show_progress=show_progress)
    val_batches = tensor_batches((x_val, y_val), 4096, None)
    result = fit(
        net, _cross_entropy,
        lambda epoch: tensor_batches((x_train, y_train), settings.batch_size, settings.seed * 1000 + epoch),
        lambda: val_batches, config, device, description,
    )
    net.cpu()
    fit_temperature(net, x_val, y_val)
    return result


@torch.no_grad()
def predict_proba(nets: list[TabularNet], features: np.ndarray) -> np.ndarray:
    """Average class probabilities of one or more nets: [N, F] -> [N, C]."""
    x = torch.from_numpy(features.astype(np.float32))
    probabilities = [F.softmax(net.eval()(x), dim=1) for net in nets]
    return torch.stack(probabilities).mean(dim=0).numpy().astype(np.float64)


def stratified_split(
    labels: np.ndarray, validation: float, test: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices (train, validation, test), stratified by label, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test, n_val = round(len(members) * test), round(len(members) * validation)
        parts[2].append(members[:n_test])
        parts[1].append(members[n_test : n_test + n_val])
        parts[0].append(members[n_test + n_val :])
    train_idx, val_idx, test_idx = (np.sort(np.concatenate(p)) for p in parts)
    return train_idx, val_idx, test_idx


def skewed_columns(features: np.ndarray, threshold: float = 2.0) -> np.ndarray:
    """Indices of non-negative columns with skewness above `threshold` (log1p-transformed before the net)."""
    centred = features - features.mean(axis=0)
    spread = np.maximum(features.std(axis=0), 1e-12)
    skew = (centred**3).mean(axis=0) / spread**3
    return np.flatnonzero((features.min(axis=0) >= 0) & (skew > threshold))


def log_transform(features: np.ndarray, columns: np.ndarray) -> np.ndarray:
    out = features.astype(np.float64).copy()
    out[:, columns] = np.log1p(out[:, columns])
    return out
