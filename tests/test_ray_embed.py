"""`piday embed --engine ray` against a real local Ray, and `piday import-vectors` (issue 16, item 2).

One Ray session (``ray.init(num_cpus=2)``) is shared by the module: starting Ray costs seconds on
a 2-core machine, and each pipeline starts its own actor (a fresh process importing torch). The
model is the tiny seeded one, loaded on the actors exactly as the local engine loads it.
"""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest
import ray

import imagefactory
from piday_desktop.cli import main
from piday_desktop.cli.common import EXIT_NOT_FOUND, EXIT_OK, EXIT_SKIPPED, EXIT_USAGE
from piday_desktop.core.store import Consent, EventStore
from piday_desktop.embedding.engine import EmbeddingEngine
from piday_desktop.embedding.models import ModelSpec, load_model
from piday_desktop.jobs.ray_embed import RayEmbedResult, RayOptions, embed_on_ray
from piday_desktop.jobs.vector_shards import write_shard

TINY = "piday-tiny:none"


@pytest.fixture(scope="module")
def ray_session():
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="error")
    yield
    ray.shutdown()


def make_event(data, photos: int, broken: int = 0) -> EventStore:
    store = EventStore.open(data, "ev", create=True)
    part = store.create_participant(consent=Consent(True, True, True))
    added = [imagefactory.add_picture(store, part, (160, 120), seed=i) for i in range(photos + broken)]
    for photo in added[photos:]:  # stored, then damaged on disk: the decode must fail, not the run
        store.photo_path(photo).write_bytes(b"not a jpeg at all")
    return store


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def test_ray_gives_the_local_engines_vectors_and_lists_bad_files(ray_session, isolated_dirs, capsys):
    store = make_event(isolated_dirs, photos=24, broken=1)
    code, err = run(capsys, "embed", "--event", "ev", "--engine", "ray", "--model", TINY)
    assert code == EXIT_SKIPPED, err
    assert "embedded 24 photo(s)" in err and "could not embed (1)" in err
    photos, ray_vectors, _ = store.vectors(TINY)
    assert len(photos) == 24
    with EmbeddingEngine(load_model(ModelSpec.parse(TINY))) as engine:
        local = np.stack([engine.submit(store.photo_path(p)).result(timeout=60) for p in photos])
    cosine = np.sum(local * ray_vectors, axis=1)
    assert cosine.min() >= 0.999
    # ... and the vectors tell the photos apart, so matching them is not a given.
    assert (ray_vectors @ ray_vectors.T)[np.triu_indices(24, 1)].min() < 0.99
    run_row = store.runs(1)[0]
    assert (run_row["status"], run_row["device"], run_row["embedded"]) == ("partial", "ray:cpu", 24)
    # Again: only the photo still missing a vector is sent, and it fails the same way.
    code, err = run(capsys, "embed", "--event", "ev", "--engine", "ray", "--model", TINY)
    assert code == EXIT_SKIPPED and "Ray: 1 photo(s) to embed" in err
    assert store.vector_count(TINY) == 24
    store.close()


def test_an_interrupted_run_keeps_its_batches_and_the_rerun_sends_only_the_rest(ray_session, isolated_dirs,
                                                                               capsys):
    store = make_event(isolated_dirs, photos=200)
    spec = ModelSpec.parse(TINY)
    result = RayEmbedResult()

    def ctrl_c_after_first_commit(done: int, total: int) -> None:
        if done:
            raise KeyboardInterrupt

    # Through the relay a Ray Client (ray://) driver uses: the pipeline iterated by an actor.
    with pytest.raises(KeyboardInterrupt):
        embed_on_ray(store, spec, RayOptions(batch_size=32, relay=True), progress=ctrl_c_after_first_commit,
                     result=result)
    kept = store.vector_count(TINY)
    assert 0 < kept < 200 and result.embedded == kept
    first = dict(store.query("SELECT photo_id, created_at FROM embeddings WHERE model_id=?", (TINY,)))

    code, err = run(capsys, "embed", "--event", "ev", "--engine", "ray", "--model", TINY)
    assert code == EXIT_OK, err
    assert f"Ray: {200 - kept} photo(s) to embed" in err and f"embedded {200 - kept} photo(s)" in err
    rows = store.query("SELECT photo_id, created_at FROM embeddings WHERE model_id=?", (TINY,))
    assert len(rows) == len({pid for pid, _ in rows}) == 200
    assert {pid: at for pid, at in rows if pid in first} == first  # the first run's vectors untouched
    store.close()


def test_out_writes_shards_that_import_vectors_commits_once(ray_session, isolated_dirs, tmp_path, capsys):
    store = make_event(isolated_dirs, photos=20)
    out = tmp_path / "shards"
    # The workers read the photos where --photos-at says, not at this machine's path.
    elsewhere = tmp_path / "nfs" / "photos"
    shutil.move(store.photos_dir, elsewhere)
    code, err = run(capsys, "embed", "--event", "ev", "--engine", "ray", "--model", TINY, "--out", str(out),
                    "--photos-at", str(elsewhere))
    assert code == EXIT_OK, err
    assert "wrote 20 vector(s)" in err and f"piday import-vectors {out}" in err
    assert store.vector_count(TINY) == 0  # nothing committed: the shards are the result
    shards = sorted(out.glob("*.parquet"))
    table = pq.read_table(shards)
    assert sorted(table.column("photo_id").to_pylist()) == sorted(p.id for p in store.photos())
    code, err = run(capsys, "embed", "--event", "ev", "--engine", "ray", "--model", TINY, "--out", str(out),
                    "--photos-at", str(elsewhere))
    assert code == EXIT_OK and "wrote 0 vector(s)" in err and sorted(out.glob("*.parquet")) == shards

    code, err = run(capsys, "import-vectors", str(out), "--event", "ev")
    assert code == EXIT_OK and f"imported 20 vector(s) from {len(shards)} shard(s)" in err, err
    photos, vectors, _ = store.vectors(TINY)
    written = dict(zip(table.column("photo_id").to_pylist(), np.asarray(table.column("vector").to_pylist())))
    assert np.array_equal(vectors, np.stack([written[p.id] for p in photos]).astype(np.float32))
    code, err = run(capsys, "import-vectors", str(out), "--event", "ev")
    assert code == EXIT_OK and "imported 0 vector(s)" in err and "20 photo(s) already had one" in err
    store.close()


# --- without a Ray session ------------------------------------------------------------------------


def test_without_ray_installed_the_command_says_how_to_get_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if it were not installed
    code, err = run(capsys, "embed", "--event", "ev", "--engine", "ray")
    assert code == EXIT_USAGE and 'pip install "piday-desktop[ray]"' in err and "Traceback" not in err
    code, err = run(capsys, "embed", "--event", "ev", "--workers", "2")
    assert code == EXIT_USAGE and "--workers only apply with --engine ray" in err


def test_import_vectors_checks_every_shard_before_importing_any(isolated_dirs, tmp_path, capsys):
    store = make_event(isolated_dirs, photos=3)
    ids = [p.id for p in store.photos()]
    unit = np.eye(3, 8, dtype=np.float32)
    out = tmp_path / "shards"
    write_shard(str(out), ids, unit, model_id=TINY, device="cpu")
    (out / "zz-broken.parquet").write_bytes(b"PAR1 this is no parquet file")
    code, err = run(capsys, "import-vectors", str(out), "--event", "ev")
    assert code == EXIT_USAGE and "zz-broken.parquet" in err and "nothing was imported" in err
    assert store.vector_count(TINY) == 0

    (out / "zz-broken.parquet").unlink()
    bad = unit.copy()
    bad[1] *= 3  # not a unit vector: a shard from something else, or damaged
    write_shard(str(out), ["no-such-photo", ids[0], ids[1]], bad, model_id=TINY, device="cpu")
    code, err = run(capsys, "import-vectors", str(out), "--event", "ev")
    assert code == EXIT_SKIPPED and "imported 3 vector(s)" in err, err
    assert "row 2: vector is not a finite unit vector" in err and "1 vector(s): for photos not in this event" in err
    assert store.vector_count(TINY) == 3
    code, err = run(capsys, "import-vectors", str(tmp_path / "nowhere"), "--event", "ev")
    assert code == EXIT_NOT_FOUND and "no such folder" in err
    store.close()



def test_more_cpu_workers_than_cores_leave_for_decoding_is_refused(ray_session, isolated_dirs, capsys):
    """Actors holding every CPU would wait forever for pixels no decode task could be scheduled for."""
    store = make_event(isolated_dirs, photos=2)
    code, err = run(capsys, "embed", "--event", "ev", "--engine", "ray", "--model", TINY, "--workers", "2")
    assert code == EXIT_USAGE and "need 3 CPUs (one more for decoding); the Ray cluster has 2" in err, err
    assert store.vector_count(TINY) == 0
    store.close()


def test_an_in_place_file_changed_after_import_is_never_embedded_on_ray(ray_session, isolated_dirs, tmp_path, capsys):
    """`import --in-place` records files where they are; a Ray worker decodes one only while it is
    still the photo imported (size and SHA-256), like the local engine."""
    tree = tmp_path / "archive" / "someone"
    for i in range(4):
        imagefactory.jpeg(tree / f"{i}.jpg", seed=400 + i)
    code, err = run(capsys, "import", str(tmp_path / "archive"), "--event", "ev", "--in-place", "--no-embed")
    assert code == EXIT_OK, err
    imagefactory.jpeg(tree / "2.jpg", seed=999)  # edited in the archive after the import
    code, err = run(capsys, "embed", "--event", "ev", "--engine", "ray", "--model", TINY)
    assert code == EXIT_SKIPPED, err
    assert "embedded 3 photo(s)" in err and "changed since it was imported" in err
    with EventStore.open(isolated_dirs, "ev", create=False) as store:
        assert store.vector_count(TINY) == 3
