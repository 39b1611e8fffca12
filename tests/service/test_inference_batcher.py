"""InferenceBatcher: grouping, isolation of failures, cancelled calls, stopping."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from service.inference_batcher import InferenceBatcher, split


class _Doubler:
    """Requests are (group, number); a group runs once per batch; 'bad' fails in prepare, group 'boom' in run."""

    name = "doubler"

    def __init__(self) -> None:
        self.runs: list[tuple[object, list[int]]] = []
        self.gate = threading.Event()
        self.gate.set()

    def prepare(self, request: tuple[str, int]) -> tuple[object, int]:
        group, number = request
        if group == "bad":
            raise ValueError(f"bad request {number}")
        return group, number

    def run(self, key: object, prepared: Sequence[int]) -> list[int]:
        assert self.gate.wait(10)
        self.runs.append((key, list(prepared)))
        if key == "boom":
            raise RuntimeError("model failed")
        return [2 * n for n in prepared]

    def finish(self, request: tuple[str, int], output: int) -> str:
        return f"{request[0]}:{output}"


async def _queued_behind_gate(batcher: InferenceBatcher, kind: _Doubler, requests: list[tuple[str, int]]
                              ) -> list[object]:
    kind.gate.clear()
    first = asyncio.ensure_future(batcher.submit(kind, ("hold", 0)))
    await asyncio.sleep(0.1)  # the thread is now inside run() for the hold call
    tasks = [asyncio.ensure_future(batcher.submit(kind, r)) for r in requests]
    await asyncio.sleep(0.1)
    kind.gate.set()
    await first
    return await asyncio.gather(*tasks, return_exceptions=True)


def test_queued_calls_are_grouped_and_failures_stay_with_their_calls() -> None:
    kind = _Doubler()
    batcher = InferenceBatcher()
    requests = [("a", 1), ("b", 2), ("a", 3), ("bad", 4), ("boom", 5), ("a", 6)]
    answers = asyncio.run(_queued_behind_gate(batcher, kind, requests))
    batcher.close()
    assert answers[0] == "a:2" and answers[1] == "b:4" and answers[2] == "a:6" and answers[5] == "a:12"
    assert isinstance(answers[3], ValueError) and "bad request 4" in str(answers[3])
    assert isinstance(answers[4], RuntimeError)
    assert ("a", [1, 3, 6]) in kind.runs and ("b", [2]) in kind.runs  # one pass per group
    assert batcher.stats.largest == 3


def test_a_call_cancelled_while_queued_is_skipped() -> None:
    kind = _Doubler()
    batcher = InferenceBatcher()

    async def scenario() -> object:
        kind.gate.clear()
        held = asyncio.ensure_future(batcher.submit(kind, ("hold", 0)))
        await asyncio.sleep(0.1)
        doomed = asyncio.ensure_future(batcher.submit(kind, ("c", 7)))
        await asyncio.sleep(0.05)
        doomed.cancel()
        kept = asyncio.ensure_future(batcher.submit(kind, ("c", 8)))
        await asyncio.sleep(0.05)
        kind.gate.set()
        await held
        return await kept

    assert asyncio.run(scenario()) == "c:16"
    batcher.close()
    assert ("c", [8]) in kind.runs and all(7 not in numbers for _, numbers in kind.runs)


def test_closed_batcher_refuses_new_calls() -> None:
    batcher = InferenceBatcher()
    batcher.close()
    with pytest.raises(RuntimeError, match="stopped"):
        asyncio.run(batcher.submit(_Doubler(), ("a", 1)))
    with pytest.raises(ValueError):
        InferenceBatcher(max_calls=0)


def test_split_checks_lengths() -> None:
    assert split([1, 2, 3, 4], [1, 3]) == [[1], [2, 3, 4]]
    with pytest.raises(ValueError):
        split([1, 2], [1])


def test_beyond_the_queue_limit_calls_are_refused_at_once_with_a_retry_hint() -> None:
    from service.errors import OverloadedError

    async def scenario() -> tuple[list[object], OverloadedError, str]:
        kind = _Doubler()
        batcher = InferenceBatcher(max_calls=8, max_pending=3)
        kind.gate.clear()
        held = [asyncio.ensure_future(batcher.submit(kind, ("a", n))) for n in range(3)]
        await asyncio.sleep(0.1)  # one call inside run(), two queued behind it: the limit
        assert batcher.pending == 3
        with pytest.raises(OverloadedError) as refused:
            await batcher.submit(kind, ("a", 9))
        kind.gate.set()
        answers = await asyncio.gather(*held)
        after = await batcher.submit(kind, ("a", 10))  # room again once they are answered
        batcher.close()
        return answers, refused.value, after

    answers, refusal, after = asyncio.run(scenario())
    assert answers == ["a:0", "a:2", "a:4"] and after == "a:20"
    assert "limit of 3 queued calls" in str(refusal) and refusal.retry_after_s > 0
