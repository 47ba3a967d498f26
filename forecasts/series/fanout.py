"""Per-series work fanned out in chunks: in-process, over local processes, or over an existing Dask cluster."""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

CHUNKS_PER_WORKER = 4
_ONE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def _single_threaded_children() -> Iterator[None]:
    """Environment for spawned workers: one BLAS thread each.

    Two processes each running a multi-threaded BLAS on small problems oversubscribe the cores; on a
    2-core machine that made ETS fits 7 times slower. Workers are spawned (not forked) so that the
    setting applies when they load NumPy.
    """
    saved = {k: os.environ.get(k) for k in _ONE_THREAD}
    os.environ.update({k: "1" for k in _ONE_THREAD})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def chunks_of(items: Sequence[T], workers: int) -> list[list[T]]:
    """Items split into about ``CHUNKS_PER_WORKER`` chunks per worker, in order (small overhead, even finish)."""
    if not items:
        return []
    size = max(1, math.ceil(len(items) / (max(1, workers) * CHUNKS_PER_WORKER)))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


@contextmanager
def _progress_bar(total: int, enabled: bool, label: str) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr advancing by series; a no-op when disabled."""
    if not enabled:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def mapped_chunks(
    fn: Callable[[list[T]], list[R]],
    items: Sequence[T],
    *,
    n_jobs: int = 1,
    dask_address: str | None = None,
    progress: bool = False,
    label: str = "forecasting",
) -> list[R]:
    """``fn`` applied to chunks of ``items``, results flattened back in input order.

    ``fn`` must be picklable (a module-level function or a functools.partial of one). With
    ``dask_address`` the chunks go to that running cluster (distributed.Client); with ``n_jobs > 1``
    to a ProcessPoolExecutor; otherwise they run here.
    """
    if dask_address:
        return _on_dask(fn, items, dask_address, progress, label)
    workers = max(1, n_jobs)
    chunks = chunks_of(items, workers if workers > 1 else 1)
    results: list[list[R]] = [[] for _ in chunks]
    with _progress_bar(len(items), progress, label) as advance:
        if workers == 1 or len(chunks) == 1:
            for i, c in enumerate(chunks):
                results[i] = fn(c)
                advance(len(c))
        else:
            ctx = multiprocessing.get_context("spawn")
            with (
                _single_threaded_children(),
                ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=ctx) as pool,
            ):
                futures = {pool.submit(fn, c): i for i, c in enumerate(chunks)}
                for fut in as_completed(futures):
                    i = futures[fut]
                    results[i] = fut.result()
                    advance(len(chunks[i]))
    return [r for chunk in results for r in chunk]


def _on_dask(
    fn: Callable[[list[T]], list[R]], items: Sequence[T], address: str, progress: bool, label: str
) -> list[R]:
    """Chunks run on an existing Dask cluster; the client is closed afterwards, the cluster left running."""
    from distributed import Client
    from distributed import as_completed as dask_completed

    with Client(address) as client:
        workers = max(1, sum(client.nthreads().values()))
        chunks = chunks_of(items, workers)
        futures = client.map(fn, chunks, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[list[R]] = [[] for _ in chunks]
        with _progress_bar(len(items), progress, label) as advance:
            for fut in dask_completed(futures):
                i = index[fut.key]
                results[i] = fut.result()
                advance(len(chunks[i]))
    return [r for chunk in results for r in chunk]
