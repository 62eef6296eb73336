"""Run the engine's raster strips and parcel partitions on Dask (``dask.distributed``).

A *runner* maps a pure function over a list of tasks and returns the results
in task order. ``SerialRunner`` (the default) runs them one after another in
this process; ``DaskRunner`` submits them to a Dask cluster: a
``LocalCluster`` on this machine (``--dask local``) or an existing scheduler
(``--dask tcp://HOST:PORT``, started with ``dask scheduler`` and ``dask
worker``). Either way the engine combines the results with the same code in
the same order, so a Dask run gives exactly the single-process result.

The engine finds the runner through ``current()``; ``use(address)`` makes
one current for a block of code, so ``siting.pipeline`` needs no Dask
argument.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar

from siting.errors import SitingError

#: ``--dask local``: one worker process with a thread per core. GDAL warps,
#: shapely overlays and numpy sums release the GIL, so threads share the work
#: without copying parcels and unions between processes.
LOCAL_PROCESSES = False
LOCAL_THREADS = os.cpu_count() or 1
#: Parcel partitions per Dask worker thread (a few, so no thread idles at the end).
PARTITIONS_PER_THREAD = 2
#: Seconds to wait for an existing scheduler before giving up.
CONNECT_TIMEOUT_S = 10


class DaskError(SitingError):
    """Dask is missing, or the scheduler address is wrong or unreachable."""


def _noop(done, total):
    return None


class SerialRunner:
    """Runs tasks one after another in this process (the default)."""

    threads = 1
    #: GDAL threads per warp when strips run one at a time (``map`` without
    #: ``parallel``); the values do not depend on it.
    warp_threads = min(LOCAL_THREADS, 4)
    #: Threads of this process that run tasks side by side in ``map(parallel=True)``
    #: (the raster strips: GDAL warps and numpy sums release the GIL), each strip
    #: then warping with one GDAL thread. GDAL's own threads split a 512-row block
    #: and wait for its slowest part (measured at 250 m: ~1.2× on 2 cores); whole
    #: strips side by side keep both cores busy.
    parallel_threads = min(LOCAL_THREADS, 4)

    def map(self, func, tasks, *, shared=None, progress=_noop, parallel: bool = False
            ) -> list:
        """``[func(task, **shared) for task in tasks]``, reporting ``progress(done, total)``.

        ``parallel``: run the tasks on ``parallel_threads`` threads of this process
        (results still in task order); for tasks that release the GIL.
        """
        shared = shared or {}
        tasks = list(tasks)
        if parallel and self.parallel_threads > 1 and len(tasks) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(self.parallel_threads) as pool:
                out = []
                for done, result in enumerate(
                        pool.map(lambda task: func(task, **shared), tasks), start=1):
                    out.append(result)
                    progress(done, len(tasks))
                return out
        out = []
        for done, task in enumerate(tasks, start=1):
            out.append(func(task, **shared))
            progress(done, len(tasks))
        return out

    def partitions(self, n_items: int) -> list[slice]:
        """How to cut ``n_items`` parcels into tasks: one piece in process."""
        return [slice(0, n_items)]


class DaskRunner:
    """Runs tasks on a Dask cluster through ``client``; results come back in task order."""

    #: GDAL threads per warp: Dask already runs one task per worker thread.
    warp_threads = 1

    def __init__(self, client):
        self.client = client

    @property
    def threads(self) -> int:
        """Worker threads in the cluster (at least 1)."""
        return max(1, sum(self.client.nthreads().values()))

    def map(self, func, tasks, *, shared=None, progress=_noop, parallel: bool = False
            ) -> list:
        """Submit ``func(task, **shared)`` for every task; ``shared`` is sent once per worker
        (``parallel`` is ignored: the tasks always run side by side on the workers)."""
        from distributed import as_completed

        tasks = list(tasks)
        if not tasks:
            return []
        scattered = {name: self.client.scatter(value, broadcast=True, hash=False)
                     for name, value in (shared or {}).items()}
        futures = self.client.map(func, tasks, pure=False, **scattered)
        for done, _ in enumerate(as_completed(futures), start=1):
            progress(done, len(futures))
        # gather returns results in the order of ``futures``: the task order
        return self.client.gather(futures)

    def partitions(self, n_items: int) -> list[slice]:
        """Contiguous pieces of ``n_items`` parcels, a few per worker thread."""
        pieces = max(1, min(n_items, self.threads * PARTITIONS_PER_THREAD))
        bounds = [round(i * n_items / pieces) for i in range(pieces + 1)]
        return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


_CURRENT: ContextVar = ContextVar("siting_runner", default=None)


def current():
    """The runner the engine should use now (``SerialRunner`` unless ``use`` set one)."""
    return _CURRENT.get() or SerialRunner()


def _check_address(address: str) -> str:
    address = (address or "").strip()
    if address == "local" or address.startswith("tcp://") or address.startswith("tls://"):
        return address
    raise DaskError(f"--dask expects 'local' or a scheduler address such as "
                    f"tcp://10.0.0.5:8786, got {address!r}",
                    zh=f"--dask 应为 'local' 或调度器地址，如 tcp://10.0.0.5:8786，"
                       f"当前为 {address!r}")


@contextmanager
def connect(address: str, *, threads: int | None = None, processes: bool | None = None):
    """A ``DaskRunner`` on a new ``LocalCluster`` (``'local'``) or an existing scheduler.

    Parameters
    ----------
    address : str
        ``'local'`` or ``'tcp://HOST:PORT'`` (``dask scheduler`` prints it).
    threads : int, optional
        Local cluster only: worker threads in all (default: one per core).
    processes : bool, optional
        Local cluster only: one worker process per thread instead of one
        threaded worker (default ``LOCAL_PROCESSES``).

    Raises
    ------
    DaskError
        ``dask[distributed]`` is not installed, the address is malformed, or
        no scheduler answers there.
    """
    address = _check_address(address)
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DaskError("--dask needs dask.distributed: pip install 'dask[distributed]' "
                        "(pinned in requirements.txt)",
                        zh="--dask 需要 dask.distributed：pip install 'dask[distributed]'"
                           "（版本固定在 requirements.txt 中）") from None
    if address == "local":
        threads = int(threads or LOCAL_THREADS)
        processes = LOCAL_PROCESSES if processes is None else bool(processes)
        workers, per_worker = (threads, 1) if processes else (1, threads)
        with LocalCluster(n_workers=workers, threads_per_worker=per_worker,
                          processes=processes, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            yield DaskRunner(client)
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise DaskError(f"no Dask scheduler answers at {address} ({exc}); start one with "
                        "`dask scheduler` and at least one `dask worker "
                        f"{address}`, or use --dask local",
                        zh=f"{address} 处没有 Dask 调度器应答（{exc}）；请用 `dask scheduler` 启动"
                           f"一个，并至少启动一个 `dask worker {address}`，或使用 --dask local"
                        ) from None
    with client:
        if not client.nthreads():
            raise DaskError(f"the Dask scheduler at {address} has no workers; start one with "
                            f"`dask worker {address}`",
                            zh=f"{address} 处的 Dask 调度器没有工作进程；请用 "
                               f"`dask worker {address}` 启动一个")
        yield DaskRunner(client)


@contextmanager
def use(address: str | None = None, **options):
    """Make a runner current for the enclosed code: Dask at ``address``, or serial if None."""
    if not address:
        yield current()
        return
    with connect(address, **options) as runner:
        token = _CURRENT.set(runner)
        try:
            yield runner
        finally:
            _CURRENT.reset(token)


@contextmanager
def using(runner):
    """Make an existing runner current for the enclosed code."""
    token = _CURRENT.set(runner)
    try:
        yield runner
    finally:
        _CURRENT.reset(token)
