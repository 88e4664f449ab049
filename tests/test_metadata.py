"""`piday import DIR --metadata FILE`: an archive's own records attached to its photos (issue 16, part 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import imagefactory as f
from piday_desktop.cli import main
from piday_desktop.cli.common import EXIT_NOT_FOUND, EXIT_OK, EXIT_SKIPPED, EXIT_USAGE
from piday_desktop.core import paths
from piday_desktop.core.store import EventStore
from piday_desktop.jobs.metadata import MetadataError, load_metadata
from piday_desktop.jobs.scan import scan_folder


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def archive(root: Path, notes: bool = False) -> Path:
    f.jpeg(root / "alice" / "a.jpg", seed=1)
    f.jpeg(root / "alice" / "b.jpg", seed=2)
    f.jpeg(root / "bob" / "a.jpg", seed=3)
    f.jpeg(root / "bob" / "c.jpg", seed=4)
    if notes:
        (root / "bob" / "notes.txt").write_text("not a photo")
    return root


def fields_by_path(data: Path, event: str = "ev") -> dict[str, dict]:
    """{participant label/original name: fields} of the event."""
    with EventStore.open(data, event) as store:
        labels = {p.id: p.label for p in store.participants()}
        fields = store.photo_fields()
        return {f"{labels[p.participant_id]}/{p.original_name}": fields.get(p.id, {}) for p in store.photos()}


def imp(capsys, folder: Path, data: Path, *extra: str) -> tuple[int, str]:
    return run(capsys, "import", str(folder), "--event", "ev", "--no-embed", "--data-dir", str(data), *extra)


def test_json_array_fields_keep_their_types_and_lists(tmp_path, capsys):
    folder, data = archive(tmp_path / "in"), tmp_path / "data"
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps([
        {"path": "alice/a.jpg", "theme": "sea", "tags": ["boat", "sun"], "rating": 4, "score": 0.5, "ok": True},
        {"file": "b.jpg", "theme": "city", "prompt": "a city at night, neon"},
        {"path": "bob/c.jpg", "theme": "sea", "tags": []},
    ], indent=2))
    code, text = imp(capsys, folder, data, "--metadata", str(meta))
    assert code == EXIT_OK, text
    assert "metadata for 3 photo(s) from 3 row(s)" in text
    got = fields_by_path(data)
    assert got["alice/a.jpg"] == {"theme": "sea", "tags": ["boat", "sun"], "rating": 4, "score": 0.5, "ok": True}
    assert got["alice/b.jpg"] == {"theme": "city", "prompt": "a city at night, neon"}
    assert got["bob/c.jpg"] == {"theme": "sea"}  # an empty list is no value
    assert got["bob/a.jpg"] == {}
    with EventStore.open(data, "ev") as store:
        keys = store.field_keys()
    assert keys["rating"].column_kind == "int" and keys["score"].column_kind == "float"
    assert keys["tags"].is_list and keys["ok"].column_kind == "bool" and keys["theme"].column_kind == "text"


def test_jsonl_and_csv_rows_update_what_an_earlier_import_recorded(tmp_path, capsys):
    folder, data = archive(tmp_path / "in"), tmp_path / "data"
    first = tmp_path / "first.jsonl"
    first.write_text('{"path": "alice/a.jpg", "theme": "sea", "rating": 4}\n\n'
                     '{"path": "bob/a.jpg", "theme": "forest", "prompt": "trees"}\n')
    assert imp(capsys, folder, data, "--metadata", str(first))[0] == EXIT_OK
    second = tmp_path / "second.csv"  # CSV cells are text; an empty cell leaves the field as it is
    second.write_text('path,theme,rating,note\nalice/a.jpg,harbour,,"two\nlines"\nbob/a.jpg,,3,\n')
    code, text = imp(capsys, folder, data, "--metadata", str(second))
    assert code == EXIT_OK, text
    got = fields_by_path(data)
    assert got["alice/a.jpg"] == {"theme": "harbour", "rating": 4, "note": "two\nlines"}
    assert got["bob/a.jpg"] == {"theme": "forest", "prompt": "trees", "rating": "3"}
    nulls = tmp_path / "nulls.jsonl"  # JSON null removes a field
    nulls.write_text('{"path": "bob/a.jpg", "prompt": null}\n')
    assert imp(capsys, folder, data, "--metadata", str(nulls))[0] == EXIT_OK
    assert fields_by_path(data)["bob/a.jpg"] == {"theme": "forest", "rating": "3"}


def test_every_problem_is_reported_by_line_and_nothing_is_imported(tmp_path, capsys):
    folder, data = archive(tmp_path / "in", notes=True), tmp_path / "data"
    meta = tmp_path / "meta.json"
    meta.write_text(
        "[\n"
        '  {"path": "alice/a.jpg", "theme": "sea"},\n'   # line 2: fine
        '  {"file": "a.jpg", "theme": "x"},\n'           # line 3: two files are called a.jpg
        '  {"file": "zzz.jpg"},\n'                       # line 4: no such file
        '  {"path": "bob/c.jpg", "bad": {"x": 1}},\n'    # line 5: nested object
        '  {"path": "bob/notes.txt", "theme": "t"},\n'   # line 6: not an image
        '  {"theme": "where?"},\n'                       # line 7: names no file
        '  {"path": "alice/a.jpg", "theme": "again"},\n'  # line 8: described twice
        '  {"path": "alice/b.jpg", "bad key": 1}\n'      # line 9: not a field name
        "]\n")
    code, text = imp(capsys, folder, data, "--metadata", str(meta))
    assert code == EXIT_USAGE
    assert "7 problem(s)" in text and "nothing was imported" in text
    for line, words in [(3, "names 2 files (alice/a.jpg, bob/a.jpg)"), (4, "no file 'zzz.jpg'"),
                        (5, "nested objects"), (6, "not imported: not an image file (.txt)"),
                        (7, "no file named"), (8, "already described by line 2"), (9, "field name 'bad key'")]:
        assert any(row.strip().startswith(f"line {line}: ") and words in row for row in text.splitlines()), (line, text)
    assert "Traceback" not in text
    assert paths.list_events(data) == []  # no event was even created


@pytest.mark.parametrize("name, content, line, words", [
    ("m.jsonl", '{"path": "alice/a.jpg"}\n{"path": "alice/b.jpg",}\n', 2, "not valid JSON"),
    ("m.json", '[{"path": "alice/a.jpg"},\n {"path": "alice/b.jpg"}\n {"path": "bob/c.jpg"}]', 3, "expected , or ]"),
    ("m.json", '{"path": "alice/a.jpg"}', 1, "one array of objects"),
    ("m.csv", "path,theme\nalice/a.jpg,sea\nalice/b.jpg,sea,extra\n", 3, "3 cells where the header has 2"),
    ("m.csv", "name,theme\na,b\n", 1, "no file column"),
    ("m.jsonl", '["alice/a.jpg"]\n', 1, "expected an object"),
    ("m.jsonl", '{"path": "alice/a.jpg", "n": NaN}\n', 1, "not a number that can be stored"),
])
def test_a_malformed_file_is_reported_with_its_line(tmp_path, name, content, line, words):
    folder = archive(tmp_path / "in")
    meta = tmp_path / name
    meta.write_text(content)
    with pytest.raises(MetadataError) as caught:
        load_metadata(meta, scan_folder(folder))
    assert any(n == line and words in problem for n, problem in caught.value.problems), caught.value.problems


def test_not_utf8_and_missing_files_are_clear_errors(tmp_path, capsys):
    folder, data = archive(tmp_path / "in"), tmp_path / "data"
    meta = tmp_path / "m.csv"
    meta.write_bytes(b"path,theme\nalice/a.jpg,caf\xe9\n")
    code, text = imp(capsys, folder, data, "--metadata", str(meta))
    assert code == EXIT_USAGE and "line 2: not UTF-8" in text
    code, text = imp(capsys, folder, data, "--metadata", str(tmp_path / "nope.json"))
    assert code == EXIT_NOT_FOUND and "no such metadata file" in text
    assert paths.list_events(data) == []


def test_skip_unmatched_imports_the_rest_and_lists_what_was_left_out(tmp_path, capsys):
    folder, data = archive(tmp_path / "in"), tmp_path / "data"
    meta = tmp_path / "meta.jsonl"
    meta.write_text('{"path": "alice/a.jpg", "theme": "sea"}\n{"file": "elsewhere.jpg", "theme": "x"}\n')
    code, text = imp(capsys, folder, data, "--metadata", str(meta))
    assert code == EXIT_USAGE and "--skip-unmatched" in text
    code, text = imp(capsys, folder, data, "--metadata", str(meta), "--skip-unmatched")
    assert code == EXIT_OK, text
    assert "line 2: no file 'elsewhere.jpg'" in text
    assert fields_by_path(data)["alice/a.jpg"] == {"theme": "sea"}


def test_identical_files_that_disagree_are_reported_not_silently_merged(tmp_path, capsys):
    folder, data = archive(tmp_path / "in"), tmp_path / "data"
    (folder / "bob" / "copy.jpg").write_bytes((folder / "alice" / "a.jpg").read_bytes())
    meta = tmp_path / "meta.jsonl"
    meta.write_text('{"path": "alice/a.jpg", "theme": "sea"}\n{"path": "bob/copy.jpg", "theme": "lake"}\n')
    code, text = imp(capsys, folder, data, "--metadata", str(meta))
    assert code == EXIT_SKIPPED
    assert "metadata line 2: the same photo as line 1 (identical files) with other values for theme" in text
    assert fields_by_path(data)["alice/a.jpg"] == {"theme": "sea"}


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "csv"])
def test_exports_carry_the_fields_typed_and_no_file_names(tmp_path, capsys, fmt):
    import csv as csvlib

    import pyarrow.parquet as pq

    folder, data = archive(tmp_path / "in"), tmp_path / "data"
    meta = tmp_path / "meta.jsonl"
    meta.write_text('{"path": "alice/a.jpg", "theme": "sea", "tags": ["boat", "sun"], "rating": 4, "width": "wide"}\n'
                    '{"path": "bob/c.jpg", "theme": "forest", "rating": 2, "score": 0.25, "ok": false}\n')
    assert imp(capsys, folder, data, "--metadata", str(meta))[0] == EXIT_OK
    out = tmp_path / f"x.{fmt}"
    code, text = run(capsys, "export", "--event", "ev", "--out", str(out), "--data-dir", str(data),
                     "--model", "piday-tiny:none")
    assert code == EXIT_OK, text
    if fmt == "parquet":
        table = pq.read_table(out)
        types = {f.name: str(f.type) for f in table.schema}
        assert types["theme"] == "string" and types["rating"] == "int64" and types["score"] == "double"
        assert types["ok"] == "bool" and types["tags"].startswith("list<") and types["meta.width"] == "string"
        assert types["width"] == "int64"  # the photo's own width column stays what it was
        rows = {r["theme"]: r for r in table.to_pylist()}
    elif fmt == "jsonl":
        rows = {r["theme"]: r for r in map(json.loads, out.read_text().splitlines())}
    else:
        rows = {r["theme"]: r for r in csvlib.DictReader(open(out, encoding="utf-8"))}
    sea, forest = rows["sea"], rows["forest"]
    if fmt == "csv":
        assert json.loads(sea["tags"]) == ["boat", "sun"] and sea["rating"] == "4" and forest["ok"] == "false"
    else:
        assert sea["tags"] == ["boat", "sun"] and sea["rating"] == 4 and forest["score"] == 0.25
        assert forest["ok"] is False and forest["tags"] is None
    assert sea["meta.width"] == "wide"
    assert set(rows) == {"sea", "forest", "" if fmt == "csv" else None}  # photos without fields are exported too
    raw = out.read_bytes()
    assert b"a.jpg" not in raw and b"c.jpg" not in raw and b"alice" not in raw  # names only with --include-names
