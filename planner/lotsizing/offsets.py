"""Lead-time offsets in the lot-sizing model: which resource-bucket a lot's work loads.

A lot that completes in bucket t does not run all its operations in t: on a routing whose flow time
crosses a bucket boundary, casting runs a bucket (or more) before machining and inspection. The
classic multi-level capacitated lot-sizing model (MLCLSP; Billington, McClain and Thomas 1983) books
each level's production a fixed lead time of one period before its parent's; Almeder, Klabjan,
Traxler and Almada-Lobo (EJOR 2015, "Lead time considerations for the multi-level capacitated
lot-sizing problem") show that a zero lead time gives plans the schedule cannot realise and a
one-period lead time gives needless stock. Here each operation carries its own offset per completion
bucket (`LotSizingOperation.offset_buckets`), derived from the routing's real flow time on the plant's
calendars (`planner.lotsizing.lead_times`): 0 where the whole routing fits into the bucket, 1 or more
only for the operations that must run earlier. Where an offset reaches before bucket 0, no lot can
complete in that bucket.

This module owns the arrays the formulation, the plan's load report and the diagnosis read:
one `LoadTerms` row per (item, resource, offsets) after merging operations that load the same
resource-buckets (so that a model without offsets is exactly the single-level model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from planner.lotsizing.model import LotSizingInstance

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

NO_LOT = -1
"""`LoadTerms.bucket` where no lot can complete in the bucket (its work would run before bucket 0)."""


@dataclass(frozen=True)
class LoadTerms:
    """Per load term k (an item's operations on one resource with the same offsets): what a lot loads where."""

    item: IntArray  # [K]
    resource: IntArray  # [K]
    minutes_per_unit: FloatArray  # [K] per gross unit
    setup_minutes: FloatArray  # [K] per lot
    bucket: IntArray  # [K, T] bucket loaded by a lot completing in t; NO_LOT where none can complete in t

    @property
    def has_offsets(self) -> bool:
        """True when some lot loads a bucket before its own (the model is multi-stage, not single-level)."""
        buckets = self.bucket.shape[1]
        return bool((self.bucket != np.arange(buckets)[None, :]).any())

    def completion_possible(self, n_items: int) -> BoolArray:
        """[I, T]: a lot of the item may complete in the bucket (every term has a bucket to load)."""
        possible = np.ones((n_items, self.bucket.shape[1]), dtype=bool)
        np.logical_and.at(possible, self.item, self.bucket != NO_LOT)
        return possible

    def capacity_entries(self, production: IntArray, setup: IntArray,
                         n_buckets: int) -> tuple[IntArray, IntArray, FloatArray]:
        """Coefficients of the capacity rows (row = resource x T + loaded bucket): minutes per gross unit on
        the production columns, then setup minutes on the setup columns, each sorted by row and column, with
        terms that land on the same cell added up."""
        parts = [self._entries(production, self.minutes_per_unit, n_buckets),
                 self._entries(setup, self.setup_minutes, n_buckets)]
        return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                np.concatenate([p[2] for p in parts]))

    def _entries(self, columns: IntArray, per_term: FloatArray,
                 n_buckets: int) -> tuple[IntArray, IntArray, FloatArray]:
        term, completion = np.nonzero(self.bucket != NO_LOT)
        row = self.resource[term] * n_buckets + self.bucket[term, completion]
        column = columns[self.item[term], completion]
        key = np.stack([row, column])
        unique, inverse = np.unique(key, axis=1, return_inverse=True)
        value = np.bincount(inverse.ravel(), weights=per_term[term], minlength=unique.shape[1]).astype(float)
        return unique[0].astype(np.int64), unique[1].astype(np.int64), value

    def load(self, production: FloatArray, setups: FloatArray, n_resources: int) -> FloatArray:
        """[R, T] minutes a plan ([I, T] gross units and setups) loads on each resource-bucket."""
        n_buckets = production.shape[1]
        load = np.zeros(n_resources * n_buckets)
        term, completion = np.nonzero(self.bucket != NO_LOT)
        cell = self.resource[term] * n_buckets + self.bucket[term, completion]
        minutes = (self.minutes_per_unit[term] * production[self.item[term], completion]
                   + self.setup_minutes[term] * setups[self.item[term], completion])
        np.add.at(load, cell, minutes)
        return load.reshape(n_resources, n_buckets)


def load_terms(instance: LotSizingInstance, resource_index: dict[str, int]) -> LoadTerms:
    """The instance's operations as load terms; operations of one item on one resource with equal offsets add
    up (as the single-level model adds them), so that a model without offsets is built exactly as before."""
    buckets = instance.bucket_count
    merged: dict[tuple[int, int, tuple[int, ...]], list[float]] = {}
    for i, item in enumerate(instance.items):
        for operation in item.operations:
            offsets = tuple(operation.offsets(buckets))
            key = (i, resource_index[operation.resource_id], offsets)
            totals = merged.setdefault(key, [0.0, 0.0])
            totals[0] += operation.minutes_per_unit
            totals[1] += operation.setup_minutes
    keys = list(merged)
    completion = np.arange(buckets)
    loaded = np.array([completion - np.array(k[2]) for k in keys], dtype=np.int64).reshape(len(keys), buckets)
    loaded[loaded < 0] = NO_LOT
    # A lot can complete in t only if every operation has a bucket; else none of its terms loads anything there.
    terms = LoadTerms(item=np.array([k[0] for k in keys], dtype=np.int64),
                      resource=np.array([k[1] for k in keys], dtype=np.int64),
                      minutes_per_unit=np.array([merged[k][0] for k in keys], dtype=float),
                      setup_minutes=np.array([merged[k][1] for k in keys], dtype=float), bucket=loaded)
    possible = terms.completion_possible(len(instance.items))
    blocked = ~possible[terms.item]
    return LoadTerms(item=terms.item, resource=terms.resource, minutes_per_unit=terms.minutes_per_unit,
                     setup_minutes=terms.setup_minutes, bucket=np.where(blocked, NO_LOT, loaded))


def lot_size_limit(instance: LotSizingInstance) -> FloatArray:
    """[I, T] most good units a lot completing in each bucket may hold (`LotSizingItem.max_lot`; inf = none)."""
    return np.array([item.max_lot if item.max_lot is not None else [np.inf] * instance.bucket_count
                     for item in instance.items], dtype=float).reshape(len(instance.items), instance.bucket_count)
