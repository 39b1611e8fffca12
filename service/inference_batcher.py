"""Opportunistic batching of ForecastService calls on one inference thread.

Calls queue up while the inference thread is busy. When it frees up it takes every queued call (up to
`max_calls`), maps and validates each one on its own (a bad request fails alone, with its own field
violations), groups the valid ones that can share one forward pass (same kind and same settings, e.g.
horizon and quantile levels), runs each group once, and answers every call with its own part.

No call waits for a timer: on an idle server a lone call runs at once, exactly as before; on a busy
one, what accumulated during the previous batch goes together, so the busier the server the larger
and the cheaper per item its batches (a batch of 10 demo risk requests costs about 3 times one,
docs/PERFORMANCE.md). Each item's result depends only on its own inputs (the forecaster's
`*_validated` functions guarantee this), so batching never changes an answer beyond float rounding.
A call cancelled by its client or past its deadline before its batch starts is skipped. At most
`max_pending` calls wait or run at once; the next one is refused at once (OverloadedError, that is
RESOURCE_EXHAUSTED with a retry hint) instead of piling up memory and latency.

In a traced call (service/tracing.py) each call is a span `forecast` with two children timed by the
inference thread: `forecast.wait` (queued behind the previous batch) and `forecast.batch` (the batch
that served it, with the number of calls it served together).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from service.errors import OverloadedError
from service.tracing import add_span, span

logger = logging.getLogger(__name__)


class BatchKind(Protocol):
    """How one kind of call is prepared, run in groups, and answered (all on the inference thread).
    `name` tells kinds apart when calls are grouped."""

    name: str

    def prepare(self, request: Any) -> tuple[Hashable, Any]:
        """Map and validate one request: (group key, prepared input); raises for a bad request."""
        ...

    def run(self, key: Any, prepared: Sequence[Any]) -> list[Any]:
        """One batched inference for calls sharing `key`: one output per prepared input, in order."""
        ...

    def finish(self, request: Any, output: Any) -> Any:
        """Map one call's output to its response."""
        ...


@dataclass
class _Call:
    kind: BatchKind
    request: Any
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    batch_start: float | None = None
    """When the batch that served this call began (epoch seconds; set by the inference thread)."""
    batch_seconds: float = 0.0
    batch_calls: int = 0

    def trace(self, queued: float) -> None:
        """Child spans of the current span for the time this call waited and the batch that served it."""
        if self.batch_start is None:
            return
        add_span("forecast.wait", queued, self.batch_start - queued)
        add_span("forecast.batch", self.batch_start, self.batch_seconds, **{"prodplan.batch_calls": self.batch_calls})


@dataclass
class BatchStats:
    """Counters for tests and tuning: batches run, calls answered, and the largest batch seen."""

    batches: int = 0
    calls: int = 0
    largest: int = 0
    sizes: list[int] = field(default_factory=list)
    observe: Callable[[int], None] | None = None
    """Told each batch's size as it is run (the server's metrics)."""


Outcome = tuple[Any, BaseException | None]
"""(response, None) or (None, the error) of one call."""
Runner = Callable[[list[tuple[BatchKind, Any]]], list[Outcome]]
"""Serves one batch of (kind, request) calls: one outcome per call, in order."""


class InferenceBatcher:
    """One daemon thread that serves queued calls in opportunistic batches.

    Args:
        max_calls: most calls taken into one batch.
        name: thread name (shows in py-spy profiles).
        runner: serves a batch; default `serve_batch` on this thread.
        max_pending: most calls queued or being served; beyond, `submit` refuses at once.
    """

    def __init__(self, max_calls: int = 64, name: str = "forecast", runner: Runner | None = None,
                 max_pending: int = 256) -> None:
        if max_calls < 1 or max_pending < 1:
            raise ValueError(f"max_calls and max_pending must be at least 1, got {max_calls} and {max_pending}")
        self.max_calls = max_calls
        self.max_pending = max_pending
        self._pending = 0
        self._batch_seconds = 0.01  # moving average of one batch's time, for the retry hint
        self.stats = BatchStats()
        self._runner = runner if runner is not None else (lambda calls: serve_batch(calls, self.stats))
        self._queue: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve_forever, name=name, daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        return self._pending

    async def submit(self, kind: BatchKind, request: Any) -> Any:
        """Queue one call and wait for its response (or its exception); OverloadedError at once when
        `max_pending` calls are already queued or being served."""
        if self._pending >= self.max_pending:
            batches_ahead = -(-self._pending // self.max_calls)
            raise OverloadedError(
                f"the forecast service is at its limit of {self.max_pending} queued calls; retry shortly",
                retry_after_s=max(0.05, batches_ahead * self._batch_seconds))
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._thread.is_alive():
            raise RuntimeError("the inference thread has stopped")
        call = _Call(kind, request, future, loop)
        with span("forecast", **{"prodplan.forecast_kind": kind.name}):
            queued = time.time()
            self._pending += 1
            try:
                self._queue.put(call)
                return await future
            finally:
                self._pending -= 1
                call.trace(queued)

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the thread after the calls already queued."""
        self._queue.put(None)
        self._thread.join(timeout_s)

    def _serve_forever(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            calls = [first]
            stopping = False
            while len(calls) < self.max_calls:
                try:
                    following = self._queue.get_nowait()
                except queue.Empty:
                    break
                if following is None:
                    stopping = True
                    break
                calls.append(following)
            # a call cancelled by its client or past its deadline while queued is not served
            live = [call for call in calls if not call.future.cancelled()]
            answers = _Answers()
            batch_start = time.time()
            started = time.perf_counter()
            try:
                outcomes = self._runner([(call.kind, call.request) for call in live]) if live else []
            except Exception:  # never let one batch kill the thread; every call still gets an answer
                logger.exception("inference batch failed")
                outcomes = [(None, RuntimeError("inference failed"))] * len(live)
            seconds = time.perf_counter() - started
            self._batch_seconds = 0.8 * self._batch_seconds + 0.2 * seconds
            for call, (result, error) in zip(live, outcomes, strict=True):
                call.batch_start, call.batch_seconds, call.batch_calls = batch_start, seconds, len(live)
                answers.add(call, result=result, error=error)
            answers.send()
            if stopping:
                return


def serve_batch(calls: list[tuple[BatchKind, Any]], stats: BatchStats | None = None) -> list[Outcome]:
    """Prepare every call on its own, run each group of calls that share a kind and a key once, and
    finish every call: one outcome per call, in order. A failure stays with its call (prepare, finish)
    or its group (run)."""
    outcomes: list[Outcome] = [(None, None)] * len(calls)
    groups: dict[tuple[str, Hashable], list[tuple[int, Any]]] = {}
    for position, (kind, request) in enumerate(calls):
        try:
            key, prepared = kind.prepare(request)
        except Exception as error:
            outcomes[position] = (None, error)
            continue
        groups.setdefault((kind.name, key), []).append((position, prepared))
    for (_, key), members in groups.items():
        kind = calls[members[0][0]][0]
        try:
            outputs = kind.run(key, [prepared for _, prepared in members])
        except Exception as error:
            for position, _ in members:
                outcomes[position] = (None, error)
            continue
        if stats is not None:
            stats.batches += 1
            stats.calls += len(members)
            stats.largest = max(stats.largest, len(members))
            if len(stats.sizes) < 10_000:
                stats.sizes.append(len(members))
            if stats.observe is not None:
                stats.observe(len(members))
        for (position, _), output in zip(members, outputs, strict=True):
            try:
                outcomes[position] = (kind.finish(calls[position][1], output), None)
            except Exception as error:
                outcomes[position] = (None, error)
    return outcomes


class _Answers:
    """A batch's answers, handed to each caller's event loop in one wake-up (not one per call: every
    wake-up is a socket write and a GIL hand-over between the threads)."""

    def __init__(self) -> None:
        self._by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, BaseException | None]]]
        self._by_loop = {}

    def add(self, call: _Call, result: Any = None, error: BaseException | None = None) -> None:
        self._by_loop.setdefault(call.loop, []).append((call.future, result, error))

    def send(self) -> None:
        for loop, answers in self._by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed event loop: nobody is waiting any more
                loop.call_soon_threadsafe(_settle, answers)


def _settle(answers: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    for future, result, error in answers:
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)


def split(items: Sequence[Any], counts: Sequence[int]) -> list[list[Any]]:
    """Cut a flat batch of outputs back into per-call lists of the given lengths."""
    parts, start = [], 0
    for count in counts:
        parts.append(list(items[start : start + count]))
        start += count
    if start != len(items):
        raise ValueError(f"{len(items)} outputs for {start} inputs")
    return parts
