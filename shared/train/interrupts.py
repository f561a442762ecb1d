"""Ctrl-C and SIGTERM while training: a flag that training checks between steps.

A ``KeyboardInterrupt`` raised by Python's default handler can be lost inside native code (on JAX it is
swallowed by an array conversion and training goes on), and SIGTERM (sent by ``timeout``, ``docker stop``,
a scheduler, a closed SSH session) kills the process outright. Inside :func:`deferred_interrupts` both
signals only set a flag; :func:`check_interrupt`, called between training steps, raises
:class:`Interrupted` there, where a checkpoint can be saved. A second signal raises at once.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)

_pending: int | None = None  # the signal received and not yet acted on
_installed = False


class Interrupted(KeyboardInterrupt):
    """Training stopped on a signal; the CLI exits with ``exit_code`` (128 + the signal number)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _handle(signum: int, frame) -> None:
    global _pending
    if _pending is not None:
        raise Interrupted(signum)
    _pending = signum
    name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    print(f"\n{name}: stopping after this step and saving a checkpoint (Ctrl-C again: stop now)",
          file=sys.stderr, flush=True)  # fmt: skip


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Within the block SIGINT and SIGTERM set the flag (nested blocks share the outer one's handlers).

    Off the main thread, where handlers cannot be installed, signals keep their default behaviour."""
    global _pending, _installed
    if _installed or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _handle) for signum in SIGNALS}
    _installed, _pending = True, None
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _installed, _pending = False, None


def check_interrupt() -> None:
    """Raise :class:`Interrupted` if a signal arrived since the block began."""
    if _pending is not None:
        raise Interrupted(_pending)
