"""The souvenir card's content: what goes on the card a visitor takes home, decided by consent.

Plain Python, no Qt: the window's renderer (``ui/souvenir_card.py``) only draws a
:class:`SouvenirCard`; everything that depends on who agreed to what is decided here, by asking
:mod:`piday_desktop.core.consent` (never a second rule):

- the visitor's own chosen photo: the card is handed to the visitor standing at the station, so
  it is shown as the station's screen shows it (``Audience.SCREEN``);
- everybody else on the card (the "you look most like …" photos, the dots of the
  neighbourhood): the card leaves the stand, so it is public (``Audience.PUBLIC``): a picture
  only where its owner agreed to show it on the public map and their visit is closed;
  everyone else is a plain dot, without a picture, a code or an id;
- the QR code's link (:func:`personal_link`): the visitor's own photos lit on the published
  offline map (``map.html#P-017``) only when their own photos may be on that public map; else
  the whole map (Atlas has no link to one point), else no link at all. Never a link that names
  another visitor.

Nothing of the visitor's nickname is put on the card or in its file names (the consent page
says the nickname stays on this laptop); files are named after the participant code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..core.consent import Audience, Visibility, shown
from ..core.search import rank
from ..core.souvenir_files import card_stem
from ..core.store import Participant, Photo

#: "You look most like …": this many photos of other visitors.
LOOKALIKES = 3
#: Other photos drawn around the visitor's own in the neighbourhood.
NEIGHBOURHOOD = 40
#: The width / height of the neighbourhood panel's dot area on the card (the renderer's layout uses it).
PANEL_ASPECT = 2.4


@dataclass(frozen=True)
class MapSnapshot:
    """What the card reads of the live map, copied on the map's owner thread."""

    photos: Sequence[Photo]  # map order
    positions: np.ndarray  # (n, 2) layout positions, NaN for photos not placed yet
    matrix: np.ndarray  # (n, dim) unit vectors
    clusters: Sequence[tuple[str, Sequence[str]]] = ()  # (group name, photo ids)

    @staticmethod
    def empty() -> "MapSnapshot":
        return MapSnapshot((), np.zeros((0, 2)), np.zeros((0, 1), np.float32))


@dataclass(frozen=True)
class Dot:
    """One photo in the neighbourhood panel; ``x``, ``y`` in 0..1 of the panel (y down)."""

    x: float
    y: float
    kind: str  # "chosen", "own", "lookalike", "other"
    number: int = 0  # lookalikes: 1.. as numbered in the strip


@dataclass(frozen=True)
class Lookalike:
    """One of the nearest photos of other visitors. ``picture`` None: drawn as a plain dot."""

    number: int
    score: float  # cosine similarity
    picture: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class Link:
    url: str
    personal: bool  # True: opens with the visitor's own photos lit; False: the whole map


@dataclass(frozen=True)
class SouvenirCard:
    code: str
    event: str
    date: str
    photo_id: str
    photo: str  # the chosen photo's file
    group: str | None = None
    dots: tuple[Dot, ...] = ()
    lookalikes: tuple[Lookalike, ...] = ()
    link: Link | None = None
    on_map: bool = False  # the chosen photo has its place on the map
    photo_ids: tuple[str, ...] = field(default=())  # the visitor's kept photos, for "another photo"

    @property
    def file_stem(self) -> str:
        """The card's file name without extension: the participant code, never a name."""
        return card_stem(self.code)

    @property
    def shows(self) -> tuple[str, ...]:
        """The other visitors whose photo is on the card (forgetting one of them removes it)."""
        return tuple(look.code for look in self.lookalikes if look.picture is not None and look.code)


def personal_link(visitor: Participant, *, map_url: str = "", atlas_link: str | None = None) -> Link | None:
    """The QR code's link for this visitor, or None when no map is published.

    ``map_url``: where the organiser publishes ``piday map --public`` (the offline HTML map,
    which opens ``#P-017`` with that visitor's photos lit). The visitor's own code goes into the
    link only when their photos may be on that public map; otherwise (and for Atlas, whose maps
    have no link to one point) the link opens the whole map.
    """
    on_public_map = shown(visitor, "kept", Audience.PUBLIC) is not Visibility.HIDDEN
    base = map_url.strip()
    if base and on_public_map:
        return Link(f"{base.split('#', 1)[0]}#{visitor.code}", personal=True)
    if atlas_link:
        return Link(atlas_link, personal=False)
    if base:
        return Link(base.split("#", 1)[0], personal=False)
    return None


def compose(
    visitor: Participant,
    own: Sequence[Photo],
    chosen_id: str | None,
    snapshot: MapSnapshot,
    visits: Mapping[str, Participant],
    photo_state: Callable[[str], str | None],
    path_of: Callable[[Photo], str],
    *,
    event: str,
    date: str,
    map_url: str = "",
    atlas_link: str | None = None,
) -> SouvenirCard:
    """The card for ``visitor`` (their kept photos ``own``, ``chosen_id`` among them; None: the last).

    ``visits``: every participant by id (their consent and visit state); ``photo_state``: a photo's
    current state (None: deleted), read fresh from the store, since the map's copy of a photo may
    predate its keep or its deletion.
    """
    if not own:
        raise ValueError(f"{visitor.code} has no kept photo for a card")
    by_id = {p.id: p for p in own}
    chosen = by_id.get(chosen_id or "", own[-1])
    row_of = {p.id: r for r, p in enumerate(snapshot.photos)}
    positions = np.asarray(snapshot.positions, dtype=np.float64).reshape(-1, 2)
    placed = np.isfinite(positions).all(axis=1) if len(positions) else np.zeros(0, bool)
    own_ids = {p.id for p in own} | {p.id for p in snapshot.photos if p.participant_id == visitor.id}
    chosen_row = row_of.get(chosen.id)
    lookalikes: list[Lookalike] = []
    lookalike_rows: list[int] = []
    if chosen_row is not None and len(snapshot.photos) > 1:
        hits = rank(snapshot.matrix[chosen_row], snapshot.photos, snapshot.matrix,
                    k=LOOKALIKES + 8, exclude_ids=sorted(own_ids))
        for hit in hits:
            if len(lookalikes) == LOOKALIKES:
                break
            state = photo_state(hit.photo.id)
            visit = visits.get(hit.photo.participant_id)
            if state is None or visit is None:
                continue  # deleted, or its visitor erased, since the map was copied
            n = len(lookalikes) + 1
            if shown(visit, state, Audience.PUBLIC) is Visibility.PICTURE:
                lookalikes.append(Lookalike(n, hit.score, path_of(hit.photo), hit.photo.participant_code))
            else:
                lookalikes.append(Lookalike(n, hit.score))
            lookalike_rows.append(row_of[hit.photo.id])
    dots = _neighbourhood(snapshot, positions, placed, chosen.id, own_ids, lookalike_rows)
    return SouvenirCard(
        code=visitor.code, event=event, date=date, photo_id=chosen.id, photo=path_of(chosen),
        group=_group(snapshot.clusters, chosen.id, own_ids), dots=dots, lookalikes=tuple(lookalikes),
        link=personal_link(visitor, map_url=map_url, atlas_link=atlas_link),
        on_map=chosen_row is not None and bool(placed[chosen_row]), photo_ids=tuple(p.id for p in own),
    )


def _group(clusters: Sequence[tuple[str, Sequence[str]]], chosen_id: str, own_ids: set[str]) -> str | None:
    """The group the chosen photo landed in; else the one holding most of the visitor's photos."""
    best, count = None, 0
    for name, ids in clusters:
        members = set(ids)
        if chosen_id in members:
            return name
        n = len(members & own_ids)
        if n > count:
            best, count = name, n
    return best


def _neighbourhood(snapshot: MapSnapshot, positions: np.ndarray, placed: np.ndarray, chosen_id: str,
                   own_ids: set[str], lookalike_rows: Sequence[int]) -> tuple[Dot, ...]:
    """The visitor's photos, their look-alikes and the nearest others, framed in 0..1."""
    own_rows = [r for r, p in enumerate(snapshot.photos) if p.id in own_ids and placed[r]]
    if not own_rows:
        return ()
    centre = positions[own_rows].mean(axis=0)
    others = [r for r in np.flatnonzero(placed) if snapshot.photos[r].id not in own_ids]
    near = sorted(others, key=lambda r: float(np.hypot(*(positions[r] - centre))))[:NEIGHBOURHOOD]
    looks = [r for r in lookalike_rows if placed[r]]
    rows = list(dict.fromkeys([*own_rows, *looks, *near]))
    pts = positions[rows]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    # The frame keeps the panel's proportions, so distances read the same across and down.
    w, h = span
    if w / h < PANEL_ASPECT:
        w = h * PANEL_ASPECT
    else:
        h = w / PANEL_ASPECT
    w, h = w * 1.2, h * 1.2  # a margin, so no dot sits on the edge
    mid = (lo + hi) / 2
    number = {r: i + 1 for i, r in enumerate(lookalike_rows)}
    dots = []
    for r in rows:
        pid = snapshot.photos[r].id
        kind = "chosen" if pid == chosen_id else "own" if pid in own_ids else "lookalike" if r in number else "other"
        x = 0.5 + (positions[r, 0] - mid[0]) / w
        y = 0.5 + (positions[r, 1] - mid[1]) / h  # y down, as the station's map view draws it
        dots.append(Dot(float(x), float(y), kind, number.get(r, 0)))
    order = {"other": 0, "lookalike": 1, "own": 2, "chosen": 3}  # the visitor's own drawn on top
    return tuple(sorted(dots, key=lambda d: order[d.kind]))
