"""The one consent rule, run through every output of an event.

Every consent level x visit state (open, finished, cancelled, erased; station visits and
import folders) gets one kept photo and one shot still under review. Each output is then
asked what it shows: the Atlas outbox and payload, the offline HTML map (public and the
organiser's), exports, and the station window's map. The expected answer is written out here
as a table, independently of ``core.consent``, and ``core.consent``'s predicate and SQL are
checked against the same table.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from atlas_event import jpeg
from piday_desktop.atlas import erase, outbox, payload
from piday_desktop.core import consent as rule
from piday_desktop.core.consent import Audience, Consent, Visibility
from piday_desktop.core.store import EventStore
from piday_desktop.jobs.export import export_event
from piday_desktop.jobs.map_export import event_map
from piday_desktop.projection.config import LayoutConfig
from piday_desktop.projection.map_controller import MapController
from test_live_map import Owner

MODEL = "test-model:none"
DIM = 16
LEVELS = ("none", "map", "map+photo")
VISITS = (("station", "open"), ("station", "finished"), ("station", "cancelled"), ("station", "erased"),
          ("import", "open"), ("import", "cancelled"), ("import", "erased"))

H, D, P = Visibility.HIDDEN, Visibility.POINT, Visibility.PICTURE
#: What the public (Atlas, `piday map --public`) sees of a *kept* photo: (source, state) -> level -> shown.
PUBLIC = {
    ("station", "open"):      {"none": H, "map": H, "map+photo": H},  # the visitor is still at the stand
    ("station", "finished"):  {"none": H, "map": D, "map+photo": P},
    ("station", "cancelled"): {"none": H, "map": H, "map+photo": H},
    ("station", "erased"):    {"none": H, "map": H, "map+photo": H},
    ("import", "open"):       {"none": H, "map": D, "map+photo": P},  # an import folder is not a visit
    ("import", "cancelled"):  {"none": H, "map": H, "map+photo": H},
    ("import", "erased"):     {"none": H, "map": H, "map+photo": H},
}


def expected(audience: Audience, source: str, state: str, level: str, photo_state: str) -> Visibility:
    if state == "erased":
        return H
    if audience is Audience.SCREEN:
        return P  # the station's own screen: every stored photo, the shot under review too
    if photo_state != "kept":
        return H
    if audience is Audience.LOCAL:
        return P
    return PUBLIC[(source, state)][level]


CASES = [(source, state, level, photo_state) for source, state in VISITS for level in LEVELS
         for photo_state in ("kept", "review")]


@pytest.fixture(scope="module")
def event(tmp_path_factory):
    """One event holding every case: case -> photo id; erased visitors forgotten last."""
    root = tmp_path_factory.mktemp("consent")
    store = EventStore.open(root, "ev")
    ids: dict[tuple, str] = {}
    rng = np.random.default_rng(0)
    erased = []
    n = 0
    for source, state in VISITS:
        for level in LEVELS:
            label = f"folder-{state}-{level}" if source == "import" else None
            p = store.create_participant(source=source, consent=Consent.parse(level), label=label)
            for photo_state in ("kept", "review"):
                data = jpeg(n)
                n += 1
                photo = store.add_photo(p, data, sha256=hashlib.sha256(data).hexdigest(), fmt="JPEG",
                                        width=24, height=24, state=photo_state)
                ids[(source, state, level, photo_state)] = photo.id
                v = rng.standard_normal(DIM).astype(np.float32)
                store.put_embeddings([(photo.id, v / np.linalg.norm(v))], model_id=MODEL, device="cpu")
                store.set_layout(MODEL, [(photo.id, float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)))])
            if state in ("finished", "cancelled"):
                store.set_participant_state(p.code, state)
            if state == "erased":
                store.set_participant_state(p.code, "finished")  # everything public first ...
                erased.append(p.code)
    outbox.sweep(store)  # ... and queued for Atlas, then forgotten
    for code in erased:
        erase.forget_participant(store, code)
    yield store, ids, root
    store.close()


def check(output: str, audience: Audience, ids: dict, seen: dict[str, Visibility]) -> None:
    wrong = [(case, seen.get(pid, H), expected(audience, *case)) for case, pid in ids.items()
             if seen.get(pid, H) is not expected(audience, *case)]
    assert not wrong, f"{output} disagrees with the consent rule: (case, shown, expected) {wrong}"


def test_the_rule_itself_predicate_and_sql_agree_with_the_table(tmp_path: Path) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE participants (id, source, state, consent_local, consent_map, consent_photo)")
    conn.execute("CREATE TABLE photos (id, participant_id, state)")
    for k, (source, state, level, photo_state) in enumerate(CASES):
        if state == "erased":
            continue
        c = Consent.parse(level)
        conn.execute("INSERT INTO participants VALUES (?,?,?,?,?,?)", (k, source, state, c.local, c.map, c.photo))
        conn.execute("INSERT INTO photos VALUES (?,?,?)", (k, k, photo_state))
    for audience in Audience:
        for k, (source, state, level, photo_state) in enumerate(CASES):
            if state == "erased":
                continue
            want = expected(audience, source, state, level, photo_state)
            got = rule.visibility(Consent.parse(level), source=source, visit_state=state, photo_state=photo_state,
                                  audience=audience)
            assert got is want, (audience, source, state, level, photo_state)
            row = conn.execute(
                f"SELECT {rule.where_sql(audience)}, {rule.where_sql(audience, picture=True)} "
                "FROM photos p JOIN participants pt ON pt.id=p.participant_id WHERE p.id=?", (k,)).fetchone()
            sql = P if row[1] else D if row[0] else H
            if audience is not Audience.PUBLIC:
                sql = P if row[0] else H
            assert sql is want, ("sql", audience, source, state, level, photo_state)
    # Nothing at all without consent to keep: the station never stores such a visit.
    assert not rule.may_keep(Consent(local=False))
    assert rule.visibility(Consent(local=False), source="station", visit_state="finished", photo_state="kept",
                           audience=Audience.SCREEN) is H


def test_atlas_sends_only_what_the_rule_allows(event) -> None:
    store, ids, _ = event
    outbox.sweep(store)
    queued = {r[0] for r in store.query("SELECT photo_id FROM atlas_outbox")}
    batch = payload.gather(store, list(ids.values()), model_id=MODEL, share_nicknames=False, blob_hashes={})
    sent = {i.photo_id: (P if i.wants_thumbnail else D) for i in batch.items}
    check("the Atlas payload", Audience.PUBLIC, ids, sent)
    assert set(batch.thumbnails) == {p for p, v in sent.items() if v is P}, "a thumbnail only with photo consent"
    check("the Atlas outbox", Audience.PUBLIC, ids, {p: P if sent.get(p) is P else D for p in queued})


def test_the_public_html_map_shows_what_atlas_shows(event) -> None:
    store, ids, _ = event
    doc, _ = event_map(store, MODEL, public=True, save_layout=False)
    check("piday map --public", Audience.PUBLIC, ids, {p.id: P if p.path else D for p in doc.photos})


def test_the_organisers_html_map_and_exports_show_every_kept_photo(event, tmp_path: Path) -> None:
    store, ids, _ = event
    doc, _ = event_map(store, MODEL, public=False, save_layout=False)
    check("piday map", Audience.LOCAL, ids, {p.id: P if p.path else D for p in doc.photos})
    out = tmp_path / "ev.jsonl"
    export_event(store, model_id=MODEL, fmt="jsonl", out=out)
    exported = {json.loads(line)["id"]: P for line in out.read_text().splitlines()}
    check("piday export", Audience.LOCAL, ids, exported)


def test_the_station_window_shows_every_stored_photo(event) -> None:
    store, ids, _ = event
    owner = Owner()
    ctl = MapController(store, owner.post, config=LayoutConfig(), refit=False)
    try:
        ctl.open(MODEL)
        owner.run_until(lambda: not ctl._opening)
        check("the station's map", Audience.SCREEN, ids, {p: P for p in ctl.map.ids})
    finally:
        ctl.close()
