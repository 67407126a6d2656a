"""Searches shared with a helper process (``kmipd.digitize._parallel``)."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kmipd.digitize import _parallel

pytestmark = pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="no forkserver"
)


def _ready(timeout: float = 30.0) -> bool:
    """Start the helpers and wait until they run."""
    _parallel.warm(eager=True)
    return _parallel._ready.wait(timeout)


def _slow_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _fails(value: int) -> int:
    if value == 3:
        raise ValueError("three")
    return value


def test_each_gives_the_calls_results_in_order_some_from_the_helper(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(_parallel.ENV, "1")
    assert _ready()
    squares = _parallel.each(pow, [(k, 2) for k in range(40)])
    assert squares == [k * k for k in range(40)]
    pids = _parallel.each(_slow_pid, [(0.05,)] * 8)
    assert os.getpid() in pids  # the caller works too ...
    assert len(set(pids)) == 2  # ... and so does the helper


def test_an_exception_in_a_call_is_raised_as_in_a_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_parallel.ENV, "1")
    assert _ready()
    with pytest.raises(ValueError, match="three"):
        _parallel.each(_fails, [(k,) for k in range(6)])
    assert _parallel.each(_fails, [(k,) for k in (0, 1, 2)]) == [0, 1, 2]


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("2", 2), ("x", 0), ("-1", 0)])
def test_the_environment_sets_the_number_of_helpers(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: int
) -> None:
    monkeypatch.setenv(_parallel.ENV, value)
    assert _parallel.helpers() == expected


def _helpers_in_child(queue: multiprocessing.SimpleQueue[int]) -> None:
    queue.put(_parallel.helpers())


def test_a_child_process_starts_no_helpers_of_its_own() -> None:
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.SimpleQueue[int] = context.SimpleQueue()
    child = context.Process(target=_helpers_in_child, args=(queue,))
    child.start()
    child.join(60)
    assert queue.get() == 0


def _run(tmp_path: Path, script: str, workers: str = "1", calls: str = "") -> str:
    """What ``script`` prints, run as a file of its own with ``calls.py`` beside it."""
    (tmp_path / "calls.py").write_text(textwrap.dedent(calls))
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(script))
    run = subprocess.run(
        [sys.executable, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, _parallel.ENV: workers},
        timeout=120,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_a_script_without_a_main_guard_is_not_run_again_in_the_helper(tmp_path: Path) -> None:
    script = """
        import time
        from kmipd.digitize import _parallel
        print("top level", flush=True)
        _parallel.warm(eager=True)
        assert _parallel._ready.wait(60)
        _parallel.each(time.sleep, [(0.05,)] * 8)
        print("done", flush=True)
        """
    assert _run(tmp_path, script).split() == ["top", "level", "done"]


def test_the_helper_starts_on_the_second_crowded_table_of_a_process(tmp_path: Path) -> None:
    script = """
        from kmipd.digitize import _parallel
        _parallel.warm()  # one figure read: starting a helper would cost more than it saves
        print("first", _parallel._ready.wait(2.0), flush=True)
        _parallel.warm()
        print("second", _parallel._ready.wait(60.0), flush=True)
        """
    assert _run(tmp_path, script).split() == ["first", "False", "second", "True"]


def test_a_helper_that_dies_leaves_its_calls_to_the_caller(tmp_path: Path) -> None:
    calls = """
        import multiprocessing, os

        def square_or_die(k):
            if multiprocessing.parent_process() is not None:
                os._exit(1)  # the helper dies
            return k * k
        """
    script = """
        from kmipd.digitize import _parallel
        from calls import square_or_die

        _parallel.warm(eager=True)
        assert _parallel._ready.wait(60)
        got = _parallel.each(square_or_die, [(k,) for k in range(6)])
        print(got, _parallel._gone, _parallel.each(pow, [(2, 3), (3, 2)]), flush=True)
        """
    assert _run(tmp_path, script, calls=calls) == "[0, 1, 4, 9, 16, 25] True [8, 9]"


def test_two_helpers_share_the_calls_with_the_caller(tmp_path: Path) -> None:
    calls = """
        import os, time

        def slow_pid(seconds):
            time.sleep(seconds)
            return os.getpid()
        """
    script = """
        from kmipd.digitize import _parallel
        from calls import slow_pid

        _parallel.warm(eager=True)
        assert _parallel._ready.wait(60)
        print(len(set(_parallel.each(slow_pid, [(0.1,)] * 12))), flush=True)
        """
    assert _run(tmp_path, script, workers="2", calls=calls) == "3"  # the caller and both helpers


def test_a_process_forked_after_the_helpers_started_runs_its_calls_itself(tmp_path: Path) -> None:
    script = """
        import multiprocessing
        from kmipd.digitize import _parallel

        def child(queue):
            queue.put((_parallel._pool is None, _parallel.each(pow, [(2, k) for k in range(5)])))

        _parallel.warm(eager=True)
        assert _parallel._ready.wait(60)
        context = multiprocessing.get_context("fork")  # the child inherits the module's state
        queue = context.SimpleQueue()
        process = context.Process(target=child, args=(queue,))
        process.start()
        process.join(60)
        print(process.exitcode, queue.get(), flush=True)
        """
    assert _run(tmp_path, script) == "0 (True, [1, 2, 4, 8, 16])"


def test_helpers_end_when_their_caller_is_killed(tmp_path: Path) -> None:
    """A caller killed by a signal leaves no helper (nor the server it was forked from)."""
    import signal
    import subprocess
    import sys
    import textwrap
    import time

    script = tmp_path / "killed.py"
    script.write_text(
        textwrap.dedent(
            """
            import os, time
            from kmipd.digitize import _parallel
            _parallel.warm(eager=True)
            assert _parallel._ready.wait(60)
            print(*_parallel._pool._processes, flush=True)
            time.sleep(60)
            """
        )
    )
    caller = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert caller.stdout is not None
    helper_pids = [int(pid) for pid in caller.stdout.readline().split()]
    assert helper_pids
    caller.send_signal(signal.SIGKILL)
    caller.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_running(pid) for pid in helper_pids):
        time.sleep(0.2)
    assert not any(_running(pid) for pid in helper_pids)


def _running(pid: int) -> bool:
    from kmipd.digitize._parallel import _alive

    return _alive(pid)


def test_each_inside_a_call_of_each_runs_in_the_caller(tmp_path: Path) -> None:
    """The helper is busy with an outer call: inner calls do not wait for it."""
    calls = """
        import os, time
        from kmipd.digitize import _parallel

        def pid_after(seconds):
            time.sleep(seconds)
            return os.getpid()

        def inner(wait):
            time.sleep(wait)  # the helper's outer call outlasts the caller's inner calls
            return sorted(set(_parallel.each(pid_after, [(0.02,)] * 6)))
        """
    script = """
        from kmipd.digitize import _parallel
        from calls import inner

        _parallel.warm(eager=True)
        assert _parallel._ready.wait(60)
        got = _parallel.each(inner, [(0.05,), (1.0,)])
        print(len(got[0]), len(got[1]), len({p for pids in got for p in pids}), flush=True)
        """
    assert _run(tmp_path, script, calls=calls) == "1 1 2"  # each inner set in one process


def test_each_inside_a_call_of_each_shares_once_the_helper_is_idle(tmp_path: Path) -> None:
    """The helper finished its part of the outer calls: inner calls go to it too."""
    calls = """
        import os, time
        from kmipd.digitize import _parallel

        def pid_after(seconds):
            time.sleep(seconds)
            return os.getpid()

        def inner(wait):
            time.sleep(wait)  # the outer call the helper takes returns at once
            return sorted(set(_parallel.each(pid_after, [(0.05,)] * 8)))
        """
    script = """
        import os
        from kmipd.digitize import _parallel
        from calls import inner

        _parallel.warm(eager=True)
        assert _parallel._ready.wait(60)
        got = _parallel.each(inner, [(0.5,), (0.0,)])
        print(len(got[0]), os.getpid() in got[0], len(got[1]), flush=True)
        """
    assert _run(tmp_path, script, calls=calls) == "2 True 1"  # the caller's inner calls shared
