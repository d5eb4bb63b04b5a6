"""Python's cycle collector, paused while graphs are built and walked.

A graph of Values holds no reference cycles (see engine.py): reference counting
frees it the moment its output is dropped. But a training step makes thousands
of small objects, and each allocation counts toward the cycle collector's next
pass, which then walks every live object: on the moons step that is a third of
the time, for nothing to collect. `gc_paused()` stops the collector for a block
(or a decorated function) and leaves it as the caller had it afterwards, even on
an error; `fit`, `autograd.compile`'s tracing and the transforms use it, and you
can wrap a training loop of your own in it. It never changes the process's
settings beyond the block, and nested or concurrent blocks restore the setting
of the outermost one when the last of them ends.
"""

from __future__ import annotations

import gc
import threading
from contextlib import ContextDecorator
from typing import Any

_lock = threading.Lock()
_depth = 0  # blocks now inside gc_paused, in every thread
_was_enabled = False  # the collector's setting when the outermost block began


class gc_paused(ContextDecorator):  # noqa: N801 - a context manager, as no_grad
    """Within this block (or decorated function) Python's cycle collector does not run."""

    def __enter__(self) -> gc_paused:
        """Stop the cycle collector (the outermost block remembers whether it ran)."""
        global _depth, _was_enabled
        with _lock:
            if _depth == 0:
                _was_enabled = gc.isenabled()
                gc.disable()
            _depth += 1
        return self

    def __exit__(self, *exc_info: Any) -> None:
        """Restore the collector's setting, when the outermost block ends."""
        global _depth
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
