"""The souvenir card's content per consent level (station/souvenir.py), without a window.

A real event store; the live map's copy is built by hand so each test says exactly which photo
is nearest to the visitor's. What the card may show of someone else is asked of core.consent
with the card as a public output: a picture only for a finished visit that agreed to show it.
"""

from __future__ import annotations

import numpy as np
import pytest

from imagefactory import add_picture
from piday_desktop.core.consent import Consent
from piday_desktop.core.store import EventStore
from piday_desktop.station.souvenir import LOOKALIKES, MapSnapshot, compose, personal_link

NONE, MAP, PHOTO = Consent(), Consent(map=True), Consent(map=True, photo=True)


@pytest.fixture
def store(tmp_path):
    s = EventStore.open(tmp_path, "expo")
    yield s
    s.close()


def visitor(store, consent=NONE, state="finished", nickname=None, shots=1, photo_state="kept", seed=0):
    p = store.create_participant(consent=consent, nickname=nickname)
    photos = [add_picture(store, p, seed=seed + i, state=photo_state) for i in range(shots)]
    store.set_participant_state(p.code, state)
    return store.participant(p.code), photos


def unit(v) -> np.ndarray:
    v = np.asarray(v, np.float32)
    return v / np.linalg.norm(v)


def snapshot(rows, clusters=()):
    """rows: (photo, vector, (x, y)) in map order."""
    photos = [r[0] for r in rows]
    return MapSnapshot(photos, np.array([r[2] for r in rows], np.float64), np.stack([unit(r[1]) for r in rows]),
                       clusters)


def card_for(store, me, mine, snap, chosen=None, **links):
    visits = {p.id: p for p in store.participants()}

    def state(pid):
        try:
            return store.photo(pid).state
        except LookupError:
            return None
    return compose(me, mine, chosen, snap, visits, state, lambda ph: str(store.photo_path(ph)),
                   event=store.event, date="14 March 2026", **links)


@pytest.mark.parametrize("consent, state, photo_state, picture", [
    (NONE, "finished", "kept", False),  # kept on this laptop only: a dot
    (MAP, "finished", "kept", False),  # an anonymous point on the public map: a dot
    (PHOTO, "finished", "kept", True),  # agreed to show the photo publicly: the photo
    (PHOTO, "open", "kept", False),  # still at the stand (or crashed mid-visit): not public yet
    (PHOTO, "cancelled", "kept", False),
    (PHOTO, "finished", "review", False),  # a shot never kept
])
def test_a_lookalike_is_a_photo_only_where_its_owner_agreed_to_show_it_publicly(store, consent, state, photo_state,
                                                                                 picture):
    me, mine = visitor(store, NONE, seed=0)
    other, theirs = visitor(store, consent, state, nickname="Bea", photo_state=photo_state, seed=10)
    snap = snapshot([(mine[0], [1, 0, 0], (0, 0)), (theirs[0], [0.9, 0.1, 0], (0.1, 0))])
    card = card_for(store, me, mine, snap)
    assert len(card.lookalikes) == 1
    look = card.lookalikes[0]
    assert look.number == 1 and look.score > 0.9
    if picture:
        assert look.picture == str(store.photo_path(theirs[0])) and look.code == other.code
    else:  # a plain dot: no picture, no code, nothing that points at them
        assert look.picture is None and look.code is None
    assert "Bea" not in repr(card)  # nobody's nickname is on a card


def test_the_card_shows_the_visitors_own_photo_whatever_their_public_consent(store):
    me, mine = visitor(store, NONE, nickname="Ada", shots=3, seed=0)
    snap = snapshot([(ph, [1, i, 0], (i * 0.1, 0)) for i, ph in enumerate(mine)])
    card = card_for(store, me, mine, snap)
    assert card.photo_id == mine[-1].id and card.photo == str(store.photo_path(mine[-1]))  # the last kept
    assert card.lookalikes == ()  # the visitor's own other photos are not "someone like you"
    chosen = card_for(store, me, mine, snap, chosen=mine[0].id)
    assert chosen.photo_id == mine[0].id
    assert card.code == me.code and card.event == "expo" and card.date == "14 March 2026"
    assert card.file_stem == f"souvenir-{me.code}" and "Ada" not in repr(card)
    assert card.on_map and card.photo_ids == tuple(p.id for p in mine)


def test_the_nearest_photos_skip_deleted_and_erased_ones_and_stop_at_three(store):
    me, mine = visitor(store, NONE, seed=0)
    others = [visitor(store, PHOTO, seed=10 + i) for i in range(6)]
    rows = [(mine[0], [1, 0, 0, 0], (0, 0))]
    for i, (_p, ph) in enumerate(others):
        rows.append((ph[0], [1, 0.1 * (i + 1), 0, 0], (0.05 * (i + 1), 0.02)))
    snap = snapshot(rows)
    store.delete_photo(others[0][1][0].id)  # deleted after the map was copied
    card = card_for(store, me, mine, snap)
    assert len(card.lookalikes) == LOOKALIKES == 3
    assert [lk.code for lk in card.lookalikes] == [others[i][0].code for i in (1, 2, 3)]
    assert [lk.number for lk in card.lookalikes] == [1, 2, 3]
    scores = [lk.score for lk in card.lookalikes]
    assert scores == sorted(scores, reverse=True)


def test_the_neighbourhood_highlights_the_visitors_dots_and_numbers_the_lookalikes(store):
    me, mine = visitor(store, NONE, shots=2, seed=0)
    near, near_photos = visitor(store, MAP, seed=20)
    far = [visitor(store, NONE, seed=30 + i) for i in range(60)]
    rows = [(mine[0], [1, 0, 0], (0.0, 0.0)), (mine[1], [1, 0.05, 0], (0.02, 0.01)),
            (near_photos[0], [1, 0.1, 0], (0.05, 0.0))]
    for i, (_p, ph) in enumerate(far):  # a ring far away: only the nearest 40 are drawn
        angle = i / len(far) * 2 * np.pi
        rows.append((ph[0], [0, 1, i], (0.3 + i * 0.01) * np.array([np.cos(angle), np.sin(angle)])))
    unplaced_me = rows[0]
    snap = snapshot(rows, clusters=[("hats", (mine[1].id, near_photos[0].id)), ("sky", (mine[0].id,))])
    card = card_for(store, me, mine, snap, chosen=mine[1].id)
    kinds = [d.kind for d in card.dots]
    assert kinds.count("chosen") == 1 and kinds.count("own") == 1 and kinds.count("lookalike") == 3
    assert kinds.count("other") + 3 == 40  # the 40 nearest others, look-alikes among them
    assert kinds[-2:] == ["own", "chosen"]  # drawn last: on top
    assert all(0 <= d.x <= 1 and 0 <= d.y <= 1 for d in card.dots)
    nearest = next(d for d in card.dots if d.kind == "lookalike" and d.number == 1)
    chosen = next(d for d in card.dots if d.kind == "chosen")
    assert abs(nearest.x - chosen.x) < 0.2 and abs(nearest.y - chosen.y) < 0.2  # beside the visitor
    assert card.group == "hats"  # the group the chosen photo landed in
    assert card_for(store, me, mine, snap, chosen=mine[0].id).group == "sky"
    # Not placed yet (the model is still embedding): no dots, no look-alikes, said on the card.
    snap2 = snapshot([(unplaced_me[0], unplaced_me[1], (np.nan, np.nan))])
    waiting = card_for(store, me, mine[:1], snap2)
    assert waiting.dots == () and not waiting.on_map


def test_no_group_until_the_map_has_named_one(store):
    me, mine = visitor(store, NONE, seed=0)
    card = card_for(store, me, mine, snapshot([(mine[0], [1, 0], (0, 0))]))
    assert card.group is None and card.dots and card.dots[0].kind == "chosen"
    empty = card_for(store, me, mine, MapSnapshot.empty())  # the photo not on the map at all
    assert empty.dots == () and not empty.on_map and empty.lookalikes == ()


@pytest.mark.parametrize("consent, state, url, atlas, expected, personal", [
    (MAP, "finished", "https://ex.org/map.html", None, "https://ex.org/map.html#P-001", True),
    (PHOTO, "finished", "https://ex.org/map.html#old", "https://atlas/m", "https://ex.org/map.html#P-001", True),
    # kept locally only: not on any public map, so the link opens the whole map, without their code
    (NONE, "finished", "https://ex.org/map.html", None, "https://ex.org/map.html", False),
    (NONE, "finished", "https://ex.org/map.html", "https://atlas/m", "https://atlas/m", False),
    (PHOTO, "open", "https://ex.org/map.html", None, "https://ex.org/map.html", False),
    (PHOTO, "finished", "", "https://atlas/m", "https://atlas/m", False),  # Atlas: no link to one point
    (PHOTO, "finished", "", None, None, None),  # nothing published: no QR code
])
def test_the_qr_link_is_personal_only_where_the_visitor_is_on_the_public_map(store, consent, state, url, atlas,
                                                                           expected, personal):
    me, _mine = visitor(store, consent, state)
    link = personal_link(me, map_url=url, atlas_link=atlas)
    if expected is None:
        assert link is None
    else:
        assert (link.url, link.personal) == (expected, personal)


def test_a_visit_without_a_kept_photo_has_no_card(store):
    me, _mine = visitor(store, NONE)
    with pytest.raises(ValueError):
        card_for(store, me, [], MapSnapshot.empty())
