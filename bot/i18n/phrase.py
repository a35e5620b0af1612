"""English texts that remember how they were made, so a reader can be shown them translated.

The loaders word their problems in English: that is what the command line prints and what
the tests compare. A :class:`Phrase` is that English text, a ``str`` equal to it in every
way, which also keeps its message id and values (or, for a line put together from pieces,
the pieces), so the console can say it in the reader's language with :func:`say`. Mark the
message id with ``N_`` so that it reaches the catalogs::

    Phrase(N_("unknown hub '%(hub)s'"), hub=hub)
"""

from __future__ import annotations

from collections.abc import Callable


class Phrase(str):
    """The English text of ``msgid % params``, keeping ``msgid`` and ``params``."""

    msgid: str
    params: dict[str, object]
    pieces: tuple[str, ...]

    def __new__(cls, msgid: str, **params: object) -> Phrase:
        made = super().__new__(cls, msgid % params if params else msgid)
        made.msgid, made.params, made.pieces = msgid, params, ()
        return made

    @classmethod
    def joined(cls, *pieces: str) -> Phrase:
        """The pieces one after another; each phrase among them is said on its own, the
        rest (names, codes, punctuation) is kept as it is."""
        made = super().__new__(cls, "".join(pieces))
        made.msgid, made.params, made.pieces = "", {}, pieces
        return made


def say(text: str, translate: Callable[..., str], lang: str) -> str:
    """``text`` in ``lang``: a phrase through ``translate(msgid, **params)`` (a catalog's
    gettext that formats and isolates the values), its phrase values said too; any other
    text as it is."""
    # Imported here: building a phrase (as every flow and directory check does) needs no
    # catalogs; only saying one does, and the catalogs module imports the flow model.
    from bot.i18n.texts import isolate

    if not isinstance(text, Phrase):
        return text
    if text.pieces:
        return "".join(say(piece, translate, lang) if isinstance(piece, Phrase)
                       else isolate(piece, lang) if piece.strip(" :") else piece
                       for piece in text.pieces)
    params = {name: say(value, translate, lang) if isinstance(value, Phrase) else value
              for name, value in text.params.items()}
    return translate(text.msgid, **params)
