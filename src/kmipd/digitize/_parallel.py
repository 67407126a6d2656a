"""Searches run side by side: the caller and a helper process on the machine's other core.

Reading a table printed over itself repeats one search under several
settings (sizes of type, pitches, sharp and blurred ink). :func:`each`
runs such a list of calls with the helper taking calls from the end, one
at a time, while the caller works from the start: the caller waits at most
for the one call the helper is running, never for a helper that is still
starting, and the results are those of running the calls in turn.

The helper is forked from a clean server process (multiprocessing's
``forkserver``), never from the caller: forking a process that runs
threads (a web server, ONNX Runtime) is unsafe. Unlike multiprocessing's
default, the caller's main script is not run again in the helper, so a
script calling kmipd needs no ``if __name__ == "__main__"`` guard.

Set the environment variable ``KMIPD_WORKERS`` to the number of helper
processes (``0``: none, all calls in the caller). By default there is one
on a machine with two cores or more, and none inside a process that is
itself a worker (``kmipd extract`` over a folder already reads one figure
per core) or that was forked from one that started helpers (their pool
belongs to the parent).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

__all__ = ["each", "helpers", "running", "warm"]

T = TypeVar("T")
ENV = "KMIPD_WORKERS"
_PRELOAD = ["kmipd.digitize._overprint", "kmipd.digitize._overlap"]  # imported once, by the server
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_count = 1  # helper processes in ``_pool``
_gone = False  # the helpers could not start or broke: run everything in the caller
_starting = False
_asked = 0  # calls of :func:`warm`
_ready = threading.Event()  # set once the helpers run
_MISSING = object()  # a result the helper did not give
_WATCH_SECONDS = 1.0  # how often a helper checks that its caller still runs
_inside = threading.local()  # ``depth``: calls of :func:`each` this thread is running
_busy = [0]  # calls given to the helpers and not yet returned
_idle = threading.Condition()  # notified as a helper returns a call
_POLL_SECONDS = 0.05  # how often a call waiting for an idle helper looks again


def helpers() -> int:
    """Helper processes to use: ``KMIPD_WORKERS`` if set, else 1 on two cores or more.

    None inside a process that is itself a child (a helper, or a worker of
    ``kmipd extract`` over a folder), or where the forkserver start method
    is missing (Windows).
    """
    if multiprocessing.parent_process() is not None:
        return 0
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return 0
    text = os.environ.get(ENV, "").strip()
    if text:
        return max(0, int(text)) if text.isdigit() else 0
    return 1 if (os.cpu_count() or 1) >= 2 else 0


def _start() -> None:
    """Start the helpers and wait until they run (in a thread of its own)."""
    global _pool, _count
    count = helpers()
    try:
        pool = ProcessPoolExecutor(
            count, mp_context=_context(), initializer=_watch, initargs=(os.getpid(),)
        )
        for started in [pool.submit(_nothing) for _ in range(count)]:  # one process each
            started.result()
    except (OSError, ValueError, ImportError, RuntimeError, BrokenProcessPool):
        _broken()
        return
    with _lock:
        _pool, _count = pool, count
    _ready.set()


def _broken() -> None:
    """Stop using the helpers (one died or could not start)."""
    global _pool, _gone
    with _lock:
        pool, _pool, _gone = _pool, None, True
        _ready.clear()
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def _nothing() -> None:
    """A call that does nothing, to have a helper start."""


def _watch(caller: int) -> None:
    """In a helper: end it once the process that started it is gone.

    A caller stopped by a signal (a server sent SIGTERM, a killed script)
    cannot shut its pool down; the helper, waiting for calls that will
    never come, would stay, and so would the server process it was forked
    from.
    """
    threading.Thread(target=_end_with, args=(caller,), name="kmipd-watch", daemon=True).start()


def _end_with(caller: int) -> None:
    while _alive(caller):
        time.sleep(_WATCH_SECONDS)
    os._exit(0)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):  # no /proc (macOS): the signal test alone
        return True


def warm(eager: bool = False) -> None:
    """Start the helpers in the background, from the second call on (or at once if ``eager``).

    Called before each crowded table is read: a process that reads one
    figure (``kmipd extract FIG``) would spend more starting a helper than
    it saves, so the helpers start only once a second table shows the
    process reads several; a server starts them ``eager``. Returns at
    once; :func:`each` uses the helpers once one is running.
    """
    global _starting, _asked
    with _lock:
        _asked += 1
        if _starting or _gone or (_asked < 2 and not eager) or helpers() < 1:
            return
        _starting = True
    threading.Thread(target=_start, name="kmipd-helpers", daemon=True).start()


def each(call: Callable[..., T], arguments: Sequence[tuple[Any, ...]]) -> list[T]:
    """``call(*args)`` for each ``args`` of ``arguments``, in order, shared with the helpers.

    The caller takes calls from the start and each helper from the end, one
    at a time, until they meet; so the caller waits at most for the calls
    the helpers are running. Until the helpers run (see :func:`warm`)
    every call is run by the caller. ``call`` should be a module-level
    function and its arguments picklable; a call the helper cannot run, or
    that raises there, is run by the caller, so an exception is raised here
    as it would be in a loop. Calls of ``each`` made by the caller's own
    calls go to a helper only once it is idle (it finished its part of the
    outer calls); until then the caller runs them.
    """
    pool = _pool if _ready.is_set() and len(arguments) > 1 else None
    if pool is None:
        return [call(*args) for args in arguments]
    _inside.depth = getattr(_inside, "depth", 0) + 1
    try:
        return _shared(pool, call, arguments)
    finally:
        _inside.depth -= 1


def running() -> bool:
    """Whether :func:`each` would share calls with a helper now.

    Not before the helpers run, nor inside a call of :func:`each` while a
    helper runs one of the outer calls (an inner call would wait for it).
    """
    return _ready.is_set() and (not getattr(_inside, "depth", 0) or not _busy[0])


def _shared(
    pool: ProcessPoolExecutor, call: Callable[..., T], arguments: Sequence[tuple[Any, ...]]
) -> list[T]:
    """:func:`each` with the helpers of ``pool``."""
    out: list[Any] = [_MISSING] * len(arguments)
    ends = [0, len(arguments)]  # the next call of the caller; one past the helper's next
    lock = threading.Lock()

    def claim(caller: bool) -> int | None:
        with lock:
            if ends[0] >= ends[1]:
                return None
            if caller:
                ends[0] += 1
                return ends[0] - 1
            ends[1] -= 1
            return ends[1]

    def helper() -> None:
        while True:
            with _idle:
                while _busy[0] >= _count and ends[0] < ends[1]:  # helpers on outer calls
                    _idle.wait(_POLL_SECONDS)
                j = claim(False)
                if j is None:
                    return
                _busy[0] += 1
            try:
                given = _given(pool, call, arguments[j], out, j)
            finally:
                with _idle:
                    _busy[0] -= 1
                    _idle.notify_all()
            if not given:
                return

    feeders = [
        threading.Thread(target=helper, name="kmipd-feed", daemon=True) for _ in range(_count)
    ]
    for feeder in feeders:
        feeder.start()
    try:
        while (i := claim(True)) is not None:
            out[i] = call(*arguments[i])
    finally:
        with lock:
            ends[1] = ends[0]  # the helpers take no more calls
        with _idle:
            _idle.notify_all()  # nor wait for one to be idle
        for feeder in feeders:
            feeder.join()
    return [
        call(*args) if got is _MISSING else got for args, got in zip(arguments, out, strict=True)
    ]


def _given(
    pool: ProcessPoolExecutor,
    call: Callable[..., Any],
    args: tuple[Any, ...],
    out: list[Any],
    j: int,
) -> bool:
    """Run ``call(*args)`` in a helper into ``out[j]``; False if the helpers are gone.

    A call that raises there is left to the caller, where it raises as it should.
    """
    try:
        future = pool.submit(call, *args)
    except RuntimeError:  # the pool was shut down
        return False
    try:
        out[j] = future.result()
    except BrokenProcessPool:
        _broken()
        return False
    except Exception:  # left to the caller
        pass
    return True


def _forget() -> None:
    """In a process forked from this one: no helpers (the pool and its threads are the parent's)."""
    global _pool, _gone, _ready, _lock
    _pool, _gone = None, True
    _ready, _lock = threading.Event(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget)


def _context() -> multiprocessing.context.BaseContext:
    """The forkserver context, its processes started without the caller's main module."""
    ctx = _Context()
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


if sys.platform != "win32":
    from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util

    class _Popen(popen_forkserver.Popen):  # type: ignore[misc]
        """``popen_forkserver.Popen`` that leaves out the caller's main module.

        multiprocessing runs the main script again in each new process so
        that functions defined in it can be unpickled; the helpers run only
        kmipd's own functions.
        """

        def _launch(self, process_obj: Any) -> None:
            prep = spawn.get_preparation_data(process_obj._name)
            for key in ("init_main_from_path", "init_main_from_name"):
                prep.pop(key, None)
            buf = io.BytesIO()
            context.set_spawning_popen(self)
            try:
                reduction.dump(prep, buf)
                reduction.dump(process_obj, buf)
            finally:
                context.set_spawning_popen(None)
            self.sentinel, w = forkserver.connect_to_new_process(self._fds)  # type: ignore[attr-defined]
            _parent_w = os.dup(w)
            close = util.close_fds  # type: ignore[attr-defined]
            self.finalizer = util.Finalize(self, close, (_parent_w, self.sentinel))
            with open(w, "wb", closefd=True) as f:
                f.write(buf.getbuffer())
            self.pid = forkserver.read_signed(self.sentinel)

    class _Process(context.ForkServerProcess):  # type: ignore[misc,name-defined]
        """A forkserver process started by :class:`_Popen`."""

        @staticmethod
        def _Popen(process_obj: Any) -> _Popen:  # multiprocessing's name
            return _Popen(process_obj)

    class _Context(context.ForkServerContext):  # type: ignore[misc,name-defined]
        """The forkserver context with :class:`_Process`."""

        Process = _Process
