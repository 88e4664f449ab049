"""--where over an archive's own fields, in search and in `piday forget --where` (issue 16, part 4)."""

from __future__ import annotations

import numpy as np
import pytest

from atlas_event import jpeg
from piday_desktop.atlas import outbox, state
from piday_desktop.cli import main
from piday_desktop.cli.common import EXIT_OK, EXIT_USAGE
from piday_desktop.core.search import parse_where, rank, search_event, where_sql
from piday_desktop.core.store import Consent, EventStore

MODEL = "test-model:none"
FIELDS = [
    {"theme": "sea", "tags": ["boat", "sun"], "rating": 4},
    {"theme": "sea", "tags": ["fish"], "rating": 2.5, "prompt": "A boat far out"},
    {"theme": "city", "tags": ["boat"], "rating": "10"},  # a CSV-ish number: compared as one
    {"theme": "forest"},
    {},
]


@pytest.fixture
def archive(tmp_path):
    store = EventStore.open(tmp_path / "data", "ev")
    who = store.create_participant(source="import", consent=Consent(map=True), label="crops")
    photos = [store.add_photo(who, jpeg(i), sha256=f"{i:064x}", fmt="JPEG", width=24, height=24,
                              original_name=f"crop{i}.jpg", fields=fields) for i, fields in enumerate(FIELDS)]
    vectors = np.eye(len(FIELDS), 8, dtype=np.float32)
    store.put_embeddings([(p.id, v) for p, v in zip(photos, vectors)], model_id=MODEL, device="cpu")
    yield store, photos
    store.close()


@pytest.mark.parametrize("expr, expected", [
    ("theme = sea", {0, 1}),
    ("theme != sea", {2, 3, 4}),            # no theme at all is "not sea"
    ("tags = boat", {0, 2}),                # a list passes when any value does
    ("tags != boat", {1, 3, 4}),            # ... and != when none does
    ("tags in (fish, sun)", {0, 1}),
    ("tags ~ OA", {0, 2}),
    ("prompt ~ boat", {1}),
    ("rating > 3", {0, 2}),                 # numbers as numbers: "10" > 3, 2.5 is not
    ("rating < 3", {1}),
    ("rating = 4.0", {0}),                  # = matches numerically too
    ("rating in (10, 2.5)", {1, 2}),
    ("theme > g", {0, 1}),                  # text order for a text value: city < forest < g < sea
    ("theme = s*", {0, 1}),                 # globs as for photo fields
    ("theme = sea AND tags ~ boat", {0}),   # AND inside one --where
    ("meta.theme = city and name = crop2.jpg", {2}),
    ("prompt ~ 'boat far'", {1}),
])
def test_field_conditions_agree_in_python_and_sql(archive, expr, expected):
    store, photos = archive
    where = parse_where([expr], store.field_keys())
    got, matrix, _ = store.vectors(MODEL)
    by_python = {photos.index(next(p for p in photos if p.id == h.photo.id))
                 for h in rank(np.ones(8), got, matrix, k=10, where=where, fields=store.photo_fields())}
    by_sql = {photos.index(next(p for p in photos if p.id == q.id)) for q in store.photos_where(*where_sql(where))}
    by_search = {photos.index(next(p for p in photos if p.id == h.photo.id))
                 for h in search_event(store, MODEL, np.ones(8), k=10, where=where)}
    by_index_path = {photos.index(next(p for p in photos if p.id == h.photo.id))
                     for h in search_event(store, MODEL, np.ones(8), k=10, where=where, ann_threshold=0)}
    assert by_python == by_sql == by_search == by_index_path == expected


def test_unknown_fields_are_refused_so_a_typo_cannot_pick_everything(archive):
    store, _ = archive
    with pytest.raises(ValueError, match=r"unknown field 'thme'.*this event's fields: prompt, rating, tags, theme"):
        parse_where(["thme != sea"], store.field_keys())
    with pytest.raises(ValueError, match="this event has no field 'colour'"):
        parse_where(["meta.colour = red"], store.field_keys())
    with pytest.raises(ValueError, match="joined with AND"):
        parse_where(["prompt ~ salt and pepper"], store.field_keys())


def test_search_where_on_fields_through_the_cli(archive, capsys, tmp_path):
    store, photos = archive
    code = main(["search", "--like", photos[0].id[:8], "--where", "theme = sea AND rating > 1", "--json",
                 "--event", "ev", "--data-dir", str(tmp_path / "data"), "--model", MODEL])
    captured = capsys.readouterr()
    assert code == EXIT_OK, captured.err
    assert '"id": "%s"' % photos[1].id in captured.out and photos[2].id not in captured.out
    assert '"prompt": "A boat far out"' in captured.out  # the hit's own fields come with it
    code = main(["search", "--like", photos[0].id[:8], "--where", "colour = red", "--event", "ev",
                 "--data-dir", str(tmp_path / "data"), "--model", MODEL])
    assert code == EXIT_USAGE and "unknown field 'colour'" in capsys.readouterr().err


def forget(capsys, tmp_path, *argv: str) -> tuple[int, str]:
    code = main(["forget", *argv, "--event", "ev", "--data-dir", str(tmp_path / "data")])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_forget_where_lists_asks_and_removes_through_the_erasure_path(archive, capsys, tmp_path):
    store, photos = archive
    outbox.sweep(store)
    state.set_many(store, dataset_id="ds-1")
    outbox.mark_sending(store, [photos[0].id], "ds-1")  # photo 0 may be on Atlas already
    files = [store.photo_path(p) for p in photos]

    code, text = forget(capsys, tmp_path, "--where", "theme = sea", "--dry-run")
    assert code == EXIT_OK and "would remove 2 photo(s)" in text and "crop0.jpg" in text and "crop1.jpg" in text
    assert len(store.photos()) == 5 and all(f.exists() for f in files)

    code, text = forget(capsys, tmp_path, "--where", "theme = sea")  # not a terminal: never removes unasked
    assert code == EXIT_USAGE and "add --yes" in text and len(store.photos()) == 5

    code, text = forget(capsys, tmp_path, "--where", "theme = sea", "--yes", "--local-only")
    assert code == EXIT_OK, text
    assert "removed 2 photo(s)" in text and "rebuilt without them by the next" in text
    left = {p.id for p in store.photos()}
    assert left == {p.id for p in photos[2:]}
    assert not files[0].exists() and not files[1].exists() and files[2].exists()
    assert store.scalar("SELECT COUNT(*) FROM embeddings") == 3
    assert store.scalar("SELECT COUNT(*) FROM photo_fields WHERE photo_id IN (?, ?)", (photos[0].id, photos[1].id)) == 0
    assert state.json_list(state.get_all(store), "remove_datasets") == ["ds-1"]  # Atlas is rebuilt without them
    assert store.participants()[0].code == "P-001"  # the participant keeps its other photos

    code, text = forget(capsys, tmp_path, "--where", "theme = sea", "--yes")
    assert code == EXIT_OK and "nothing to remove" in text
    code, text = forget(capsys, tmp_path, "P-001", "--where", "theme = city", "--yes")
    assert code == EXIT_USAGE and "not both" in text
