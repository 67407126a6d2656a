"""Searches run side by side: the caller and a helper process on the machine's other core.

Reading a table printed over itself repeats one search under several
settings (sizes of type, pitches, sharp and blurred ink). :func:`each`
runs such a list of calls with the helper taking calls from the end while
the caller works from the start; a call the helper has not begun is taken
back, so the caller never waits on a helper that is slow to start or gone,
and the results are those of running the calls in turn.

The helper is forked from a clean server process (multiprocessing's
``forkserver``), never from the caller: forking a process that runs
threads (a web server, ONNX Runtime) is unsafe. Unlike multiprocessing's
default, the caller's main script is not run again in the helper, so a
script calling kmipd needs no ``if __name__ == "__main__"`` guard.

Set the environment variable ``KMIPD_WORKERS`` to the number of helper
processes (``0``: none, all calls in the caller). By default there is one
on a machine with two cores or more, and none inside a process that is
itself a worker (``kmipd extract`` over a folder already reads one figure
per core).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

__all__ = ["each", "helpers", "warm"]

T = TypeVar("T")
ENV = "KMIPD_WORKERS"
_PRELOAD = ["kmipd.digitize._overprint", "kmipd.digitize._overlap"]  # imported once, by the server
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_gone = False  # the helpers could not start or broke: run everything in the caller
_starting = False
_ready = threading.Event()  # set once a helper has run a call


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
    """Start the helpers and wait until one has run a call (in a thread of its own)."""
    global _pool
    try:
        pool = ProcessPoolExecutor(helpers(), mp_context=_context())
        pool.submit(_nothing).result()
    except (OSError, ValueError, ImportError, RuntimeError, BrokenProcessPool):
        _broken()
        return
    with _lock:
        _pool = pool
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


def warm() -> None:
    """Start the helpers in the background if they are to be used and not yet started.

    Returns at once; :func:`each` uses the helpers once one is running.
    """
    global _starting
    with _lock:
        if _starting or _gone or helpers() < 1:
            return
        _starting = True
    threading.Thread(target=_start, name="kmipd-helpers", daemon=True).start()


def each(call: Callable[..., T], arguments: Sequence[tuple[Any, ...]]) -> list[T]:
    """``call(*args)`` for each ``args`` of ``arguments``, in order, shared with the helpers.

    The helpers take calls from the end and the caller from the start; a
    call no helper has begun when the caller reaches it is run by the
    caller. Until the helpers run (see :func:`warm`) every call is run by
    the caller. ``call`` should be a module-level function and its arguments
    picklable: other calls are run by the caller. An exception a call raises
    is raised here, as in a loop.
    """
    pool = _pool if _ready.is_set() and len(arguments) > 1 else None
    if pool is None:
        return [call(*args) for args in arguments]
    try:
        futures: list[Future[T]] = [pool.submit(call, *args) for args in reversed(arguments)]
    except (BrokenProcessPool, RuntimeError):
        _broken()
        return [call(*args) for args in arguments]
    futures.reverse()
    out: list[T] = []
    try:
        for args, future in zip(arguments, futures, strict=True):
            if future.cancel():
                out.append(call(*args))
            else:
                out.append(_result(future, call, args))
    finally:
        for future in futures:
            future.cancel()
    return out


def _result(future: Future[T], call: Callable[..., T], args: tuple[Any, ...]) -> T:
    """The helper's result; the call run here if the helper gave none.

    The helper gives none when it broke, when the arguments could not be
    sent (they do not pickle), or when the call raised: run here, such a
    call raises its exception as it would in a loop.
    """
    try:
        return future.result()
    except BrokenProcessPool:
        _broken()
    except Exception:  # run again here, where it raises as it should
        pass
    return call(*args)


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
