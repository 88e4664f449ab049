"""Evented attributes: assigning a different value emits the model's ``<name>_changed`` signal.

The live map has several pieces of view state (highlight, selection, marker, clusters, newest
visitor) that views follow; each used to be a hand-written compare-then-emit setter. An
:class:`Evented` attribute does that once.

psygnal's evented dataclasses (napari's choice) do the same and were considered; they are not
used because psygnal stops at the first subscriber that raises and re-raises it (``EmitLoopError``)
while the station's rule (``core.events.Signal``) is that a broken view is logged and the other
subscribers still run: a failing widget must never stop a photo from being recorded. One signal
system across the code base beats a second for five attributes.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Evented(Generic[T]):
    """A data descriptor: ``obj.name = value`` stores it and, if it differs (``!=``), emits
    ``getattr(obj, signal).emit(value)``. Reading it returns ``default`` until first set."""

    def __init__(self, signal: str, default: T) -> None:
        self.signal = signal
        self.default = default
        self.slot = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_evented_{name}"

    def __get__(self, obj: Any, owner: type | None = None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]
        return obj.__dict__.get(self.slot, self.default)

    def __set__(self, obj: Any, value: T) -> None:
        if value != obj.__dict__.get(self.slot, self.default):
            obj.__dict__[self.slot] = value
            getattr(obj, self.signal).emit(value)
