"""Marking text for translation outside Qt (issue 17): the station's sentences stay plain strings.

``core`` and ``station`` hold no Qt, yet some of their sentences reach the screen (the visitor
flow's notices, the failsafe's "what happened / what to do", the default consent text). They are
written as ``QT_TRANSLATE_NOOP("Context", "English sentence {name}")``: Qt's ``pyside6-lupdate``
finds that call by its name and puts the sentence in the ``.ts`` files, and at run time it only
returns a :class:`Source`, a ``str`` that remembers its context. ``Source.fill(name=...)`` gives
a :class:`Message`: the English sentence with its values in (what logs, tests and the CLI read),
which remembers the template and the values, so ``ui/i18n.py`` can translate it and put the same
values into the translation. Nothing here translates; a plain ``str`` is shown as it is.
"""

from __future__ import annotations


class Source(str):
    """A translatable English sentence (``{name}`` placeholders) and its translation context."""

    context: str

    def __new__(cls, context: str, source: str) -> "Source":
        self = super().__new__(cls, source)
        self.context = context
        return self

    def __getnewargs__(self) -> tuple[str, str]:  # copy, deepcopy (dataclasses.asdict), pickle
        return self.context, str(self)

    def fill(self, **values: object) -> "Message":
        return Message(self.context, str(self), values)


class Message(str):
    """A filled-in :class:`Source`: reads as the English sentence, keeps what a translation needs."""

    context: str
    source: str
    values: dict[str, object]

    def __new__(cls, context: str, source: str, values: dict[str, object]) -> "Message":
        self = super().__new__(cls, source.format(**values))
        self.context, self.source, self.values = context, source, dict(values)
        return self

    def __getnewargs__(self) -> tuple[str, str, dict[str, object]]:
        return self.context, self.source, self.values


def QT_TRANSLATE_NOOP(context: str, source: str) -> Source:  # noqa: N802 (the name lupdate looks for)
    """Mark ``source`` for translation in ``context``; translated where it is shown (ui/i18n.py)."""
    return Source(context, source)
