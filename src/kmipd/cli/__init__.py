"""The ``kmipd`` command-line tool.

One module per subcommand (``_reconstruct``, ``_analyze``, ``_run``), each with
``add_arguments`` and ``run``, registered in :data:`kmipd.cli._main.COMMANDS`;
shared plumbing lives in ``_common``. ``main`` parses the arguments, runs the
command and turns kmipd's errors into ``error: ...`` lines and exit status 2.
Heavy modules (NumPy, kmipd.io, matplotlib) are imported inside the command
functions so that ``--help`` starts fast; pandas, SciPy and lifelines are never
imported here.
"""

from kmipd.cli._main import main

__all__ = ["main"]
