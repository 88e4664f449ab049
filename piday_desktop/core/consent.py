"""What each consent level allows: the one rule every output of an event asks.

Why one module: what a visitor agreed to decides what the station keeps, what the local map and
exports show, what the offline ``piday map --public`` page shows and what is sent to Atlas.
When each of those wrote its own test they drifted apart (the public HTML map showed visits
still open, which Atlas never received). Every one of them now asks :func:`visibility` (Python)
or builds its query from :data:`PUBLIC_SQL` / :data:`PUBLIC_PICTURE_SQL` (SQL); the two are
kept equal by ``tests/test_consent.py``, which runs every level and visit state through every
output.

The levels (the consent page's three boxes; ``piday consent CODE none|map|map+photo`` later):

- no consent at all (``local`` unticked): nothing of the visitor is kept, the visit ends at the
  consent page (:func:`may_keep`);
- ``none``, keep locally: the photos stay on this laptop: the station's screen, ``piday map``
  and exports (the organiser's own copy) show them; nothing public;
- ``map``, public map: also on the public map (Atlas, ``piday map --public``) as an anonymous
  point: code, shot, time, vector; never the picture;
- ``map+photo``, show my photo: on the public map with the picture.

Visit states (``participants.state``): ``open`` while the visitor is at the stand (or the
station crashed mid-visit), ``finished``, ``cancelled`` (ended without a kept photo), and erased
(``piday forget``: the rows are deleted, so no output can show anything of them). A visit is
public only once closed as ``finished``: until then the visitor may still delete a shot or
walk away, and the public map cannot take single rows back (Atlas needs a rebuild). An import
folder is not a visit: its participant stays ``open`` for more files and counts as closed
unless cancelled.

Photo states: only ``kept`` photos are shown by the map page, exports and Atlas. The station's
own screen (:data:`Audience.SCREEN`) also shows the shot under review, to the visitor who is
standing in front of it deciding whether to keep it.

SQL fragments use the aliases ``p`` (photos) and ``pt`` (participants).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol


@dataclass(frozen=True)
class Consent:
    """What a visitor agreed to. Without ``local`` nothing of theirs is kept at all."""

    local: bool = True
    map: bool = False
    photo: bool = False

    def __post_init__(self) -> None:
        # Each level implies the ones below it: a photo on the public map is meaningless
        # without the public map, and anything public requires keeping it locally.
        if self.photo and not self.map:
            raise ValueError("consent to show the photo requires consent to the public map")
        if self.map and not self.local:
            raise ValueError("consent to the public map requires consent to keep the photos")

    @classmethod
    def parse(cls, text: str) -> "Consent":
        """``none`` (local only), ``map``, ``map+photo``: the CLI's spelling of the three levels."""
        levels = {"none": cls(), "local": cls(), "map": cls(map=True), "map+photo": cls(map=True, photo=True)}
        try:
            return levels[text.strip().lower()]
        except KeyError:
            raise ValueError(f"unknown consent {text!r}: use none, map or map+photo") from None

    @property
    def label(self) -> str:
        return "map+photo" if self.photo else "map" if self.map else "none"


class Audience(Enum):
    """Who sees an output."""

    SCREEN = "screen"  # the station's window: the live map, the visitor in front of it
    LOCAL = "local"  # this laptop's organiser: `piday map`, `piday export`, `piday search`
    PUBLIC = "public"  # anyone: the Atlas upload, `piday map --public`


class Visibility(Enum):
    """How much of one photo an output may show."""

    HIDDEN = "hidden"
    POINT = "point"  # code, shot, time, vector, position: no picture
    PICTURE = "picture"


VISIT_STATES = ("open", "finished", "cancelled")


def may_keep(consent: Consent) -> bool:
    """Whether anything of the visitor may be stored at all (a photo, a participant row)."""
    return consent.local


def visit_closed(source: str, visit_state: str) -> bool:
    """A visit that can no longer change: finished at the station, or an import not cancelled."""
    return visit_state == "finished" or (source == "import" and visit_state != "cancelled")


def visibility(consent: Consent, *, source: str, visit_state: str, photo_state: str,
               audience: Audience) -> Visibility:
    """What ``audience`` may see of one stored photo: the rule, in Python."""
    if not consent.local:
        return Visibility.HIDDEN
    if audience is Audience.SCREEN:
        return Visibility.PICTURE
    if photo_state != "kept":
        return Visibility.HIDDEN
    if audience is Audience.LOCAL:
        return Visibility.PICTURE
    if not (consent.map and visit_closed(source, visit_state)):
        return Visibility.HIDDEN
    return Visibility.PICTURE if consent.photo else Visibility.POINT


class Visit(Protocol):
    """What the rule reads of a participant row (``core.store.Participant`` is one)."""

    consent: Consent
    source: str
    state: str


def shown(visit: Visit, photo_state: str, audience: Audience) -> Visibility:
    """:func:`visibility` for one photo (in ``photo_state``) of a participant row."""
    return visibility(visit.consent, source=visit.source, visit_state=visit.state, photo_state=photo_state,
                      audience=audience)


#: Visit closed (see :func:`visit_closed`), as SQL on ``pt``.
VISIT_CLOSED_SQL = "(pt.state='finished' OR (pt.source='import' AND pt.state<>'cancelled'))"
#: Kept photos the organiser's own outputs show (``Audience.LOCAL``).
LOCAL_SQL = "(p.state='kept' AND pt.consent_local=1)"
#: Photos that may be on the public map (``Audience.PUBLIC`` at least ``POINT``).
PUBLIC_SQL = f"(p.state='kept' AND pt.consent_local=1 AND pt.consent_map=1 AND {VISIT_CLOSED_SQL})"
#: Public photos that may show their picture (``Audience.PUBLIC`` is ``PICTURE``).
PUBLIC_PICTURE_SQL = f"({PUBLIC_SQL[1:-1]} AND pt.consent_photo=1)"


def where_sql(audience: Audience, picture: bool = False) -> str:
    """The SQL condition (aliases ``p``, ``pt``) for photos ``audience`` may see (with ``picture``:
    may see with their picture); the same rule as :func:`visibility`."""
    if audience is Audience.SCREEN:
        return "(pt.consent_local=1)"
    if audience is Audience.LOCAL:
        return LOCAL_SQL
    return PUBLIC_PICTURE_SQL if picture else PUBLIC_SQL
