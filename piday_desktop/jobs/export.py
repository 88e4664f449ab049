"""Writing an event's catalogue and vectors in the shapes other tools read.

Exports leave the laptop, so they carry no file paths of this machine and no personal names
(nicknames, import folder labels, original file names) unless the user asks with
``include_names``. Each file is written to a temporary name and renamed, so a failed export
never leaves a half file behind.

An archive's own per-photo fields (``import --metadata``: tags, theme, prompt, ...) follow the
fixed columns, one column per field name (``meta.NAME`` where NAME is also a fixed column),
typed by what the event holds (:class:`~piday_desktop.core.photo_fields.KeyInfo`): whole
numbers int64, other numbers float64, true/false bool, lists as lists, anything mixed as text;
CSV writes a list as a JSON array. The column that named each row's file was never stored, so
it cannot leave with them; the fields themselves are exported as the archive gave them.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.consent import Audience, Visibility, shown
from ..core.photo_fields import KeyInfo
from ..core.store import EventStore, Participant, Photo
from . import arrow_columns

FORMATS = ("parquet", "npy", "jsonl", "csv")


@dataclass(frozen=True)
class ExportSummary:
    rows: int
    with_vectors: int
    files: list[Path]


def _replace_into(dest: Path, write) -> None:
    tmp = dest.with_name(f".{dest.name}.part")
    try:
        write(tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class FieldColumn:
    """One of the photos' own fields as an export column."""

    name: str  # the column: the field's name, or meta.NAME where that is a fixed column
    info: KeyInfo


def field_columns(store: EventStore) -> list[FieldColumn]:
    fixed = set(_metadata_columns(include_xy=True, include_names=True)) | {"embedding"}
    return [FieldColumn(f"meta.{key}" if key in fixed else key, info) for key, info in store.field_keys().items()]


def _records(store: EventStore, model_id: str, include_names: bool,
             columns: list[FieldColumn]) -> tuple[list[dict], list[np.ndarray | None], int]:
    participants: dict[str, Participant] = {p.id: p for p in store.participants()}
    embedded, matrix, xy = store.vectors(model_id)
    by_id = {p.id: i for i, p in enumerate(embedded)}
    own = store.photo_fields() if columns else {}
    records, vectors = [], []
    for photo in store.photos():
        p = participants[photo.participant_id]
        if shown(p, photo.state, Audience.LOCAL) is Visibility.HIDDEN:
            continue
        i = by_id.get(photo.id)
        rec = _metadata(photo, model_id if i is not None else None)
        rec["x"] = None if i is None or np.isnan(xy[i, 0]) else float(xy[i, 0])
        rec["y"] = None if i is None or np.isnan(xy[i, 1]) else float(xy[i, 1])
        if include_names:  # original file names are personal too ("Alice_Smith_birthday.jpg")
            rec["nickname"], rec["label"], rec["photo_name"] = p.nickname, p.label, photo.original_name
        fields = own.get(photo.id, {})
        for column in columns:
            rec[column.name] = fields.get(column.info.key)
        records.append(rec)
        vectors.append(matrix[i] if i is not None else None)
    dim = matrix.shape[1] if len(embedded) else 0
    return records, vectors, dim


def _metadata(photo: Photo, model_id: str | None) -> dict:
    return {
        "id": photo.id,
        "participant": photo.participant_code,
        "shot": photo.shot,
        "taken_at": photo.taken_at,
        "imported_at": photo.imported_at,
        "width": photo.width,
        "height": photo.height,
        "sha256": photo.sha256,
        "model": model_id,
    }


def export_event(store: EventStore, *, model_id: str, fmt: str, out: Path, include_names: bool = False) -> ExportSummary:
    """Write ``out`` (and, for npy, its aligned id list) for every photo the organiser's view shows
    (``core.consent``, ``Audience.LOCAL``: every kept photo)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    out = Path(out)
    if out.parent and not out.parent.exists():
        raise FileNotFoundError(f"folder for the export does not exist: {out.parent}")
    own = field_columns(store)
    records, vectors, dim = _records(store, model_id, include_names, own)
    with_vectors = sum(v is not None for v in vectors)
    files = [out]
    if fmt == "parquet":
        _replace_into(out, lambda tmp: _write_parquet(tmp, records, vectors, dim, include_names, own))
    elif fmt == "jsonl":
        _replace_into(out, lambda tmp: _write_jsonl(tmp, records, vectors))
    elif fmt == "csv":
        rows = [_csv_cells(r, own) for r in records]
        _replace_into(out, lambda tmp: _write_csv(tmp, rows, columns=_metadata_columns(True, include_names)
                                                  + [c.name for c in own]))
    else:
        ids_path = out.with_suffix(".ids.csv")
        rows = [(r, v) for r, v in zip(records, vectors) if v is not None]
        matrix = np.stack([v for _, v in rows]).astype(np.float32) if rows else np.zeros((0, dim), np.float32)
        _replace_into(out, lambda tmp: _write_npy(tmp, matrix))
        id_columns = ["id", "participant", "shot"] + (["photo_name"] if include_names else [])
        _replace_into(ids_path, lambda tmp: _write_csv(tmp, [r for r, _ in rows], columns=id_columns))
        files.append(ids_path)
    return ExportSummary(rows=len(records), with_vectors=with_vectors, files=files)


def _metadata_columns(include_xy: bool = False, include_names: bool = False) -> list[str]:
    """The export's columns in order, also for an event with no photos yet."""
    columns = ["id", "participant", "shot", "taken_at", "imported_at", "width", "height", "sha256", "model"]
    if include_xy:
        columns += ["x", "y"]
    if include_names:
        columns += ["nickname", "label", "photo_name"]
    return columns


def _csv_cells(record: dict, own: list[FieldColumn]) -> dict:
    """A record for CSV: list fields as a JSON array, true/false as written in JSON."""
    out = dict(record)
    for column in own:
        value = out.get(column.name)
        if isinstance(value, (list, bool)):
            out[column.name] = json.dumps(value, ensure_ascii=False)
    return out


def _field_type(pa, info: KeyInfo, values: list):
    """The Arrow type of one field column and its values converted to fit it."""
    kind = info.column_kind
    if kind == "int" and any(v is not None and not -2**63 <= int(v) < 2**63 for v in _elements(values)):
        kind = "float"  # whole numbers past int64
    scalar = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "text": pa.string()}[kind]
    convert = {"int": int, "float": float, "bool": bool, "text": _as_text}[kind]

    def fit(v):
        if v is None:
            return None
        if info.is_list:
            return [convert(x) for x in (v if isinstance(v, list) else [v])]
        return convert(v)

    return (pa.list_(scalar) if info.is_list else scalar), [fit(v) for v in values]


def _elements(values: list):
    for v in values:
        if isinstance(v, list):
            yield from v
        else:
            yield v


def _as_text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v if isinstance(v, str) else json.dumps(v)


def _write_parquet(path: Path, records: list[dict], vectors: list, dim: int, include_names: bool,
                   own: list[FieldColumn] = ()) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    # An explicit schema: column types must not depend on the data (an all-null column would be
    # typed 'null', and an event with no photos has no columns at all to infer from).
    types = {"id": pa.string(), "participant": pa.string(), "shot": pa.int64(), "taken_at": pa.string(),
             "imported_at": pa.string(), "width": pa.int64(), "height": pa.int64(), "sha256": pa.string(),
             "model": pa.string(), "x": pa.float32(), "y": pa.float32(), "nickname": pa.string(),
             "label": pa.string(), "photo_name": pa.string()}
    names = _metadata_columns(include_xy=True, include_names=include_names)
    emb_type = pa.list_(pa.float32(), dim) if dim else pa.list_(pa.float32())
    columns = {n: [r[n] for r in records] for n in names}
    fields = [pa.field(n, types[n]) for n in names]
    for column in own:
        arrow_type, columns[column.name] = _field_type(pa, column.info, [r[column.name] for r in records])
        fields.append(pa.field(column.name, arrow_type))
    schema = pa.schema(fields + [pa.field("embedding", emb_type)])
    # Built from buffers, not pa.array: that would import pandas (arrow_columns says why).
    arrays = [arrow_columns.column(columns[f.name], f.type) for f in fields]
    arrays.append(arrow_columns.vectors_column(vectors, dim))
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), path)


def _write_jsonl(path: Path, records: list[dict], vectors: list) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for rec, vec in zip(records, vectors):
            row = dict(rec, embedding=None if vec is None else [round(float(x), 7) for x in vec])
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_csv(path: Path, records: list[dict], columns: list[str] | None = None) -> None:
    columns = columns or (list(records[0]) if records else list(_metadata_columns(include_xy=True)))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)


def _write_npy(path: Path, matrix: np.ndarray) -> None:
    with open(path, "wb") as fh:
        np.save(fh, matrix)
