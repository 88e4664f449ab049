"""Vector shards: Parquet files of (photo id, vector) that Ray workers write and `piday import-vectors` reads.

`piday embed --engine ray --out DIR` has each embedding worker write its batches here instead
of sending them back to the driver, so a cluster can embed an archive without the catalogue's
machine in the loop; `piday import-vectors DIR --event E` then commits them. A shard carries
photo ids (UUIDs), vectors, the model id and device, nothing else: no paths, no names.

``DIR`` is a local folder or any URI pyarrow can open (``s3://bucket/prefix``, ``gs://…``).
A local shard is written to a hidden temp name, fsynced and renamed; an object store's put is
atomic by itself. Readers skip hidden files, so a shard is either whole or absent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SUFFIX = ".parquet"
COLUMNS = ("photo_id", "model_id", "device", "vector")


class ShardError(ValueError):
    """A shard folder or file that cannot be read as vector shards (one-line message)."""


@dataclass
class ShardBatch:
    """The rows of one shard file: which file, its model, the photo ids and their vectors."""

    name: str
    model_id: str
    device: str
    ids: list[str]
    vectors: np.ndarray  # (n, dim) float32


def _filesystem(location: str):
    """(pyarrow filesystem, path inside it) for a local folder or a URI."""
    import pyarrow.fs as pafs

    if "://" in location:
        try:
            return pafs.FileSystem.from_uri(location)
        except Exception as exc:  # an unknown scheme, missing credentials, a bad bucket name
            raise ShardError(f"cannot open {location}: {exc}") from None
    return pafs.LocalFileSystem(), str(Path(location).expanduser().resolve())


def is_local(location: str) -> bool:
    return "://" not in location or location.startswith("file://")


def shard_names(location: str) -> list[str]:
    """The complete shard files in ``location`` (sorted; hidden temp files left out).

    ShardError if the location does not exist or is not a folder.
    """
    import pyarrow.fs as pafs

    fs, root = _filesystem(location)
    info = fs.get_file_info(root)
    if info.type == pafs.FileType.NotFound:
        raise ShardError(f"no such folder: {location}")
    if info.type != pafs.FileType.Directory:
        raise ShardError(f"not a folder: {location}")
    names = []
    for entry in fs.get_file_info(pafs.FileSelector(root, recursive=False)):
        base = entry.base_name
        if entry.type == pafs.FileType.File and base.endswith(SUFFIX) and not base.startswith("."):
            names.append(entry.path)
    return sorted(names)


def write_shard(location: str, ids: Sequence[str], vectors: np.ndarray, *, model_id: str, device: str) -> str:
    """Write one shard of ``ids`` and their ``vectors`` into ``location``; returns its name."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    if n != len(ids):
        raise ValueError(f"{len(ids)} ids for {n} vectors")
    table = pa.table({
        "photo_id": pa.array([str(i) for i in ids], pa.string()),
        "model_id": pa.array([model_id] * n, pa.string()),
        "device": pa.array([device] * n, pa.string()),
        "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel(), pa.float32()), dim),
    })
    name = f"vectors-{uuid.uuid4().hex}{SUFFIX}"
    fs, root = _filesystem(location)
    if is_local(location):
        from ..core.durable import fsync_dir, fsync_file

        folder = Path(root)
        folder.mkdir(parents=True, exist_ok=True)
        tmp, dest = folder / f".{name}.part", folder / name
        try:
            pq.write_table(table, tmp)
            fsync_file(tmp)
            tmp.replace(dest)
            fsync_dir(folder)
        finally:
            tmp.unlink(missing_ok=True)
        return str(dest)
    fs.create_dir(root, recursive=True)
    dest = f"{root.rstrip('/')}/{name}"
    with fs.open_output_stream(dest) as out:
        pq.write_table(table, out)
    return dest


def _open(fs, name: str):
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(fs.open_input_file(name))
    except Exception as exc:
        raise ShardError(f"{Path(name).name}: not a readable Parquet file ({exc})") from None


def _check_schema(name: str, schema) -> None:
    import pyarrow as pa

    missing = [c for c in COLUMNS if c not in schema.names]
    if missing:
        raise ShardError(f"{Path(name).name}: not a vector shard (missing column(s) {', '.join(missing)})")
    vec = schema.field("vector").type
    if not (pa.types.is_fixed_size_list(vec) and pa.types.is_floating(vec.value_type)):
        raise ShardError(f"{Path(name).name}: column 'vector' is {vec}, not a fixed-size list of floats")


def shard_ids(location: str, model_id: str) -> set[str]:
    """Photo ids that already have a vector for ``model_id`` in ``location`` (ids only are read)."""
    import pyarrow.fs as pafs

    fs, root = _filesystem(location)
    if fs.get_file_info(root).type == pafs.FileType.NotFound:
        return set()  # a new output folder
    names = shard_names(location)
    found: set[str] = set()
    for name in names:
        pf = _open(fs, name)
        _check_schema(name, pf.schema_arrow)
        table = pf.read(columns=["photo_id", "model_id"])
        ids = table.column("photo_id").to_pylist()
        models = table.column("model_id").to_pylist()
        found.update(i for i, m in zip(ids, models) if m == model_id)
    return found


@dataclass
class ShardScan:
    """What reading a shard folder found besides the vectors."""

    files: int = 0
    rows: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file or row, reason)


def read_shards(location: str, scan: ShardScan | None = None) -> Iterator[ShardBatch]:
    """Every shard in ``location``, one batch per file and model, checked before it is yielded.

    A file that is not a vector shard raises :class:`ShardError` before any of its rows is
    yielded; rows whose vector is not finite or not unit length are left out and recorded in
    ``scan.problems`` with the file and row number.
    """
    scan = scan if scan is not None else ShardScan()
    names = shard_names(location)
    fs, _ = _filesystem(location)
    for name in names:  # every file is checked before the first row is imported
        _check_schema(name, _open(fs, name).schema_arrow)
    for name in names:
        pf = _open(fs, name)
        try:
            table = pf.read(columns=list(COLUMNS))
        except Exception as exc:
            raise ShardError(f"{Path(name).name}: cannot be read ({exc})") from None
        scan.files += 1
        scan.rows += table.num_rows
        if table.num_rows == 0:
            continue
        dim = table.schema.field("vector").type.list_size
        flat = table.column("vector").combine_chunks()
        if flat.null_count:
            raise ShardError(f"{Path(name).name}: {flat.null_count} row(s) without a vector")
        vectors = np.asarray(flat.flatten().to_numpy(zero_copy_only=False), dtype=np.float32).reshape(-1, dim)
        ids = table.column("photo_id").to_pylist()
        models = table.column("model_id").to_pylist()
        devices = table.column("device").to_pylist()
        norms = np.linalg.norm(vectors, axis=1)
        good = np.isfinite(norms) & (np.abs(norms - 1.0) < 1e-3)
        for row in np.flatnonzero(~good):
            scan.problems.append((f"{Path(name).name} row {row + 1}", "vector is not a finite unit vector"))
        for model in sorted({m for m in models if m}):
            rows = [i for i, m in enumerate(models) if m == model and good[i] and ids[i]]
            if rows:
                yield ShardBatch(Path(name).name, model, devices[rows[0]] or "?", [ids[i] for i in rows],
                                 vectors[rows])
        for i, (pid, model) in enumerate(zip(ids, models)):
            if not pid or not model:
                scan.problems.append((f"{Path(name).name} row {i + 1}", "no photo id or model id"))


@dataclass
class ImportVectorsResult:
    imported: int = 0
    already: int = 0  # the photo had a vector for that model: kept (its map position too)
    unknown: int = 0  # no such photo in this event (another event's shards, or deleted since)
    models: dict[str, int] = field(default_factory=dict)
    scan: ShardScan = field(default_factory=ShardScan)


def import_shards(store, location: str, *, progress=None) -> ImportVectorsResult:
    """Commit the vectors of every shard in ``location`` for photos that still lack one.

    One transaction per shard file and model: an interruption keeps whole shards, and running
    it again imports exactly what is still missing (nothing is replaced).
    """
    result = ImportVectorsResult()
    missing: dict[str, set[str]] = {}
    known = {row[0] for row in store.query("SELECT id FROM photos")}
    for batch in read_shards(location, result.scan):
        todo = missing.get(batch.model_id)
        if todo is None:
            todo = missing[batch.model_id] = {p.id for p in store.photos_missing_embedding(batch.model_id)}
        rows = []
        for pid, vec in zip(batch.ids, batch.vectors):
            if pid not in known:
                result.unknown += 1
            elif pid not in todo:
                result.already += 1
            else:
                rows.append((pid, vec))
                todo.discard(pid)
        if rows:
            store.put_embeddings(rows, model_id=batch.model_id, device=batch.device)
            result.imported += len(rows)
            result.models[batch.model_id] = result.models.get(batch.model_id, 0) + len(rows)
        if progress:
            progress(result.scan.files)
    return result
