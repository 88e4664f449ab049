"""The Atlas emulator against the real, unmodified nomic 3.9.0 client.

These tests pin down what the emulator reproduces (ATLAS_PROTOCOL.md §5) and, through it, the client
behaviours the uploader must defend against: shards dropped while the client logs success, resends on
504, ConnectionError on a dropped connection, the misleading "Organization not found" for a bad key,
and calls that never return.
"""

from __future__ import annotations

import base64
import json
import hashlib
import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
import requests
from PIL import Image
from pyarrow import ipc

from atlas_emulator import AtlasEmulator, ServiceConfig
from atlas_emulator.harness import ClientEnv, ClientTimeout, atlas_env, emulator, wait_for  # noqa: F401

DIM = 64


def make_batch(n: int, seed: int, dim: int = DIM) -> tuple[list[str], list[dict[str, Any]], np.ndarray]:
    """n rows with deterministic UUID-string ids, a couple of anonymous fields, float32 embeddings."""
    rng = random.Random(seed)
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(n)]
    rows = [{"id": i, "participant": f"P-{k // 4:03d}", "shot": k % 4} for k, i in enumerate(ids)]
    embeddings = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return ids, rows, embeddings


def new_dataset(env: ClientEnv, name: str = "piday test event") -> Any:
    return env.dataset(f"{env.emulator.org_slug}/{name}", unique_id_field="id")


def arrow_entries(emu: AtlasEmulator) -> list:
    return emu.log.entries("arrow")


# --- the happy path ---------------------------------------------------------------------------


def test_add_data_stores_exactly_the_ids_and_embeddings(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    ids, rows, emb = make_batch(24, seed=1)

    assert atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=10) is None

    stored = emu.dataset(ds.id)
    assert stored.ids == ids
    np.testing.assert_array_equal(stored.embeddings(), emb.astype(np.float16))
    assert stored.rows()[3] == rows[3]
    assert atlas_env.call(ds._latest_dataset_state).total_datums == 24

    meta = stored.meta()
    assert meta["modality"] == "embedding" and meta["project_fields"] == ["id", "participant", "shot"]
    schema = ipc.read_schema(io.BytesIO(base64.b64decode(meta["schema"])))
    assert schema.metadata is None
    assert schema.field("_embeddings").type == pa.list_(pa.float16(), DIM)

    more_ids, more_rows, more_emb = make_batch(10, seed=2)
    atlas_env.call(ds.add_data, more_rows, embeddings=more_emb, timeout=10)
    assert stored.ids == ids + more_ids
    assert atlas_env.call(ds._latest_dataset_state).total_datums == 34
    np.testing.assert_array_equal(stored.embeddings_by_id()[more_ids[4]], more_emb[4].astype(np.float16))

    shards = arrow_entries(emu)
    assert [e.status for e in shards] == [200, 200]
    assert shards[1].row_ids == more_ids and shards[1].project_id == ds.id
    assert shards[0].columns == ["id", "participant", "shot", "_embeddings"]
    assert "content-type" not in shards[0].headers and shards[0].body_size > 0
    assert all("authorization" not in e.headers and e.auth == "valid" for e in emu.log.entries())
    assert emu.log.find(atlas_env.key) == []
    assert atlas_env.call(ds.get_data, more_ids[:2]) == more_rows[:2]


def test_shards_are_posted_two_at_a_time(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    ids, rows, emb = make_batch(10_001, seed=3, dim=8)
    emu.faults.add("arrow", "slow", count=None, delay=0.2)

    atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=20)

    shards = arrow_entries(emu)
    assert sorted(e.num_rows for e in shards) == [1, 5000, 5000]
    first, second = shards[0], shards[1]
    assert second.started < first.finished, "the client's two workers should overlap"
    assert emu.dataset(ds.id).count == 10_001 and set(emu.dataset(ds.id).ids) == set(ids)


def test_create_index_returns_a_map_quickly_and_the_lock_clears(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    _, rows, emb = make_batch(24, seed=4)
    atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=10)

    reads_before = len(emu.log.entries("meta"))
    projection = atlas_env.call(ds.create_index, name="piday map", topic_model=False, timeout=10)
    # The client re-reads the dataset (sleeping between reads) until the new index shows: it must
    # find it at its first read, so a slow emulator cannot pass for the real service.
    assert len(emu.log.entries("meta")) - reads_before == 2, "index and projection must be in atlas_indices at once"
    assert projection is not None
    assert projection.map_link == f"https://atlas.nomic.ai/data/{emu.org_slug}/piday-test-event/map"
    assert atlas_env.logged(projection.dataset_link)

    index = emu.dataset(ds.id).indices[0]
    assert index.request["colorable_fields"] == ["id", "participant", "shot"]
    wait_for(lambda: not atlas_env.call(lambda: ds.is_locked), timeout=3)
    assert atlas_env.call(lambda: projection._status)["index_build_stage"] == "Completed"


def test_inserts_during_a_build_hit_the_lock(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    emu.config.build_seconds = None  # the build runs until finish_builds()
    ds = new_dataset(atlas_env)
    _, rows, emb = make_batch(24, seed=5)
    atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=10)
    stale = new_dataset(atlas_env)  # loaded before the build: its cached meta says "unlocked"
    atlas_env.call(ds.create_index, name="m", topic_model=False, timeout=10)
    assert emu.dataset(ds.id).locked

    _, late_rows, late_emb = make_batch(4, seed=6)
    atlas_env.call(stale.add_data, late_rows, embeddings=late_emb, timeout=10)  # sent, refused, "succeeded"
    assert arrow_entries(emu)[-1].status == 409 and "lock is held" in arrow_entries(emu)[-1].detail
    assert emu.dataset(ds.id).count == 24

    shards_sent = len(arrow_entries(emu))
    with pytest.raises(Exception, match="currently indexing"):  # fresh meta: refused before sending
        atlas_env.call(ds.add_data, late_rows, embeddings=late_emb, timeout=10)
    assert len(arrow_entries(emu)) == shards_sent

    emu.finish_builds()
    assert not atlas_env.call(lambda: ds.is_locked)
    atlas_env.call(ds.add_data, late_rows, embeddings=late_emb, timeout=10)
    assert emu.dataset(ds.id).count == 28


# --- silent losses and failures the client reports (or not) -----------------------------------


def test_resent_ids_are_rejected_while_the_client_reports_success(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    ids, rows, emb = make_batch(6, seed=7)
    atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=10)
    atlas_env.client_log.clear()

    assert atlas_env.call(ds.add_data, rows[:3], embeddings=emb[:3], timeout=10) is None

    rejected = arrow_entries(emu)[-1]
    assert rejected.status == 409 and rejected.service_status == 409
    assert rejected.detail.startswith("Insert failed due to ID conflict. Conflicting IDs: {")
    assert all(i in rejected.detail for i in ids[:3])
    assert atlas_env.logged("Upload succeeded.")
    assert emu.dataset(ds.id).count == 6 and emu.dataset(ds.id).ids == ids

    _, dup_rows, dup_emb = make_batch(2, seed=8)
    atlas_env.call(ds.add_data, dup_rows + dup_rows[:1], embeddings=np.vstack([dup_emb, dup_emb[:1]]), timeout=10)
    assert arrow_entries(emu)[-1].status == 409, "ids must also be unique within one shard"
    assert emu.dataset(ds.id).count == 6


@pytest.mark.parametrize(
    ("kind", "params", "stored", "success_logged", "partial_logged"),
    [
        ("500", {}, 0, True, False),  # JSON object: dropped, "Upload succeeded."
        ("503", {}, 0, True, False),
        ("id_conflict", {}, 0, True, False),
        ("lock_held", {}, 0, True, False),
        ("org_limit", {}, 0, True, False),
        ("org_limit", {"style": "string"}, 0, False, False),  # add_data returns early, no final log
        ("502", {}, 0, False, True),  # HTML: counted as failed
        ("http", {"status": 413, "body": "Request Entity Too Large"}, 0, False, True),
        ("status_201", {"body": b""}, 8, False, True),  # stored, yet counted as failed
        ("status_201", {}, 8, True, False),  # JSON body: stored, logged as an error, then "succeeded"
    ],
)
def test_shard_fault_outcomes(
    atlas_env: ClientEnv, kind: str, params: dict, stored: int, success_logged: bool, partial_logged: bool
) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    _, rows, emb = make_batch(8, seed=9)
    rule = emu.faults.add("arrow", kind, **params)

    assert atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=10) is None

    assert rule.fired == 1 and len(arrow_entries(emu)) == 1
    assert emu.dataset(ds.id).count == stored
    assert atlas_env.logged("Upload succeeded.") is success_logged
    assert atlas_env.logged("Upload partially succeeded.") is partial_logged


def test_lock_held_as_a_json_string_makes_the_client_raise(atlas_env: ClientEnv) -> None:
    ds = new_dataset(atlas_env)
    _, rows, emb = make_batch(4, seed=10)
    atlas_env.emulator.faults.add("arrow", "lock_held", style="string")
    with pytest.raises(Exception, match="currently indexing"):
        atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=10)


def test_json_500_on_a_shard_loses_it_silently(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    _, rows, emb = make_batch(12, seed=11)
    emu.faults.add("arrow", "500")

    assert atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=10) is None

    entry = arrow_entries(emu)[0]
    assert (entry.status, entry.service_status, entry.fault) == (500, None, "500")
    assert entry.reply_body == b'{"detail": "Upload failed"}'
    assert emu.dataset(ds.id).count == 0
    assert atlas_env.logged("Shard upload failed", "ERROR") and atlas_env.logged("Upload succeeded.")


def test_gateway_504_is_resent_by_the_client(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    ids, rows, emb = make_batch(12, seed=12)
    emu.faults.add("arrow", "504")

    atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=10)

    shards = arrow_entries(emu)
    assert [e.status for e in shards] == [504, 200]
    assert shards[0].row_ids == shards[1].row_ids == ids
    assert emu.dataset(ds.id).ids == ids


def test_repeated_504s_end_in_high_load_error(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    _, rows, emb = make_batch(12, seed=12)
    emu.faults.add("arrow", "504", count=None)

    with pytest.raises(RuntimeError, match="under high load"):
        atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=10)

    assert [e.status for e in arrow_entries(emu)] == [504] * 4  # resent at once, no backoff


@pytest.mark.parametrize(("phase", "stored"), [("before", 0), ("after", 5)])
def test_dropped_connection_raises_connection_error(atlas_env: ClientEnv, phase: str, stored: int) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    _, rows, emb = make_batch(5, seed=13)
    emu.faults.add("arrow", "drop", phase=phase)

    with pytest.raises(requests.ConnectionError):
        atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=10)

    entry = arrow_entries(emu)[0]
    assert entry.status is None
    assert entry.outcome == ("dropped" if phase == "before" else "processed-dropped")
    assert emu.dataset(ds.id).count == stored  # "after": stored although the client saw a failure


def test_wrong_key_shows_up_as_organization_not_found(emulator: AtlasEmulator, tmp_path) -> None:
    with ClientEnv(emulator, tmp_path / "home", key="nk-not-a-valid-key") as env:
        with pytest.raises(Exception, match=f"Organization not found: {emulator.org_slug}"):
            env.dataset(f"{emulator.org_slug}/anything", unique_id_field="id", timeout=10)
        assert env.logged("no longer valid")  # only a log line at construction
    assert [(e.endpoint, e.status, e.auth) for e in emulator.log.entries()] == [
        ("user", 401, "invalid"),
        ("lookup", 401, "invalid"),
        ("organization", 401, "invalid"),
    ]
    assert emulator.datasets() == []


def test_a_hang_trips_the_outer_timeout_and_the_emulator_still_stops(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    _, rows, emb = make_batch(5, seed=14)
    emu.faults.add("arrow", "hang")

    with pytest.raises(ClientTimeout) as caught:
        atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=0.5)
    wait_for(lambda: emu.faults.hanging == 1)

    emu.stop()  # does not wait for the held request to be released
    assert emu.inflight == 0
    caught.value.worker.join(5)
    assert not caught.value.worker.is_alive(), "the client thread ends once its connection is closed"
    assert arrow_entries(emu)[0].outcome == "dropped" and emu.dataset(ds.id).count == 0


def test_released_hang_completes_normally(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    _, rows, emb = make_batch(5, seed=15)
    emu.faults.add("arrow", "hang")
    done = threading.Event()
    threading.Thread(target=lambda: (ds.add_data(rows, embeddings=emb), done.set()), daemon=True).start()
    wait_for(lambda: emu.faults.hanging == 1)
    emu.faults.release_hangs()
    assert done.wait(5) and emu.dataset(ds.id).count == 5


def test_hang_with_a_timeout_closes_the_connection_unanswered(emulator: AtlasEmulator) -> None:
    emulator.faults.add("user", "hang", timeout=0.2)
    started = time.monotonic()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{emulator.url}/v1/user", headers={"Authorization": f"Bearer {emulator.key}"}, timeout=5)
    assert time.monotonic() - started >= 0.2  # held until the fault's own timeout
    assert emulator.log.entries()[0].outcome == "dropped"


# --- blobs -------------------------------------------------------------------------------------


def jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (seed * 40 % 256, 90, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_blobs_endpoint_returns_hashes_in_order(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    blobs = [jpeg(i) for i in range(3)] + [b"\r\n--not-a-boundary\x00\xff"]

    response = requests.post(
        f"{emu.url}/v1/project/data/add/blobs",
        headers={"Authorization": f"Bearer {emu.key}"},
        data={"dataset_id": ds.id},
        files=[("blobs", b) for b in blobs],
        timeout=5,
    )

    assert response.status_code == 200
    assert response.json()["hashes"] == [hashlib.sha256(b).hexdigest() for b in blobs]
    entry = emu.log.entries("blobs")[0]
    assert entry.blob_count == 4 and entry.form == {"dataset_id": ds.id}
    assert [emu.blobs[h] for h in response.json()["hashes"]] == blobs


def test_client_blob_upload_links_rows_to_their_blobs(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env, "with photos")
    ids = [str(uuid.UUID(int=k + 1, version=4)) for k in range(5)]
    blobs = [jpeg(i) for i in range(5)]

    atlas_env.call(ds.add_data, [{"id": i} for i in ids], blobs=blobs, timeout=10)

    stored = emu.dataset(ds.id)
    assert stored.modality == "image"
    assert [stored.row(i)["_blob_hash"] for i in ids] == [hashlib.sha256(b).hexdigest() for b in blobs]
    assert sum(e.blob_count for e in emu.log.entries("blobs")) == 5


# --- service rules, faults and the log without the client ---------------------------------------


def test_request_log_finds_forbidden_content_inside_compressed_shards(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    emu.config.min_map_datums = None  # a map of 3 rows, for the log's sake
    _, rows, emb = make_batch(3, seed=16)
    rows[1]["nickname"] = "Zebulon"
    for row in (rows[0], rows[2]):
        row["nickname"] = "anon"
    atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=10)

    atlas_env.call(ds.create_index, name="Zebulon's map", topic_model=False, timeout=10)

    shard, index_create = arrow_entries(emu)[0], emu.log.entries("index_create")[0]
    assert emu.log.find("Zebulon") == [shard, index_create]  # decoded values, compressed or not
    assert emu.log.find("/home/visitor/photo.jpg") == []


def test_duplicate_create_conflicts_or_suffixes(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    new_dataset(atlas_env, "dup")
    emu.faults.add("lookup", "500")  # the client then believes the dataset is missing
    with pytest.raises(Exception, match="Failed to create dataset: .*already exists"):
        new_dataset(atlas_env, "dup")

    emu.config.duplicate_create = "suffix"
    emu.faults.add("lookup", "500")
    second = new_dataset(atlas_env, "dup")
    assert second.slug == "dup-2" and len(emu.datasets()) == 2


def test_delete_removes_the_dataset(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    assert atlas_env.call(ds.delete) is False
    assert emu.datasets() == []
    assert emu.log.entries("remove")[0].status == 200


def test_network_down_refuses_then_recovers_on_the_same_port(emulator: AtlasEmulator) -> None:
    url, port = f"{emulator.url}/v1/user", emulator.port
    auth = {"Authorization": f"Bearer {emulator.key}"}
    with emulator.offline():
        with pytest.raises(requests.ConnectionError):
            requests.get(url, headers=auth, timeout=2)
    assert emulator.port == port
    assert requests.get(url, headers=auth, timeout=2).status_code == 200


def test_fault_bodies_and_scheduling(emulator: AtlasEmulator) -> None:
    auth = {"Authorization": f"Bearer {emulator.key}"}

    def get() -> requests.Response:
        return requests.get(f"{emulator.url}/v1/user", headers=auth, timeout=5)

    emulator.faults.add("user", "502", skip=1)
    emulator.faults.add("/v1/user", "503")
    emulator.faults.add("*", "warning", text="Heads up")
    first, second, third, fourth = get(), get(), get(), get()
    assert first.status_code == 503 and first.json() == {"detail": "Service Unavailable"}
    assert second.status_code == 502 and second.headers["Content-Type"] == "text/html"
    assert "<h1>502 Bad Gateway</h1>" in second.text
    assert third.headers["X-AtlasWarning"] == "Heads up" and third.status_code == 200
    assert fourth.status_code == 200 and "X-AtlasWarning" not in fourth.headers

    emulator.faults.add("user", "slow", delay=0.3)
    started = time.monotonic()
    assert get().status_code == 200 and time.monotonic() - started >= 0.3

    emulator.faults.add("user", "wrong_key")
    assert get().status_code == 401


def test_probabilistic_faults_are_reproducible() -> None:
    def decisions(seed: int) -> list:
        emu = AtlasEmulator(seed=seed)
        emu.faults.add("arrow", ["500", "504", "drop"], probability=0.4)
        picks = [emu.faults.pick("POST", "/v1/project/data/add/arrow", "arrow") for _ in range(40)]
        return [fault.kind if fault else None for fault in picks]

    first = decisions(7)
    assert first == decisions(7) and first != decisions(8)
    assert {"500", "504", "drop"} <= set(first) and None in first


def test_direct_service_rules(emulator: AtlasEmulator) -> None:
    auth = {"Authorization": f"Bearer {emulator.key}"}
    base = emulator.url
    assert requests.get(f"{base}/v1/project/{emulator.org_slug}/missing", headers=auth, timeout=5).status_code == 404
    assert requests.get(f"{base}/v1/user", timeout=5).status_code == 403
    created = requests.post(
        f"{base}/v1/project/create",
        headers=auth,
        json={"organization_id": emulator.store.org.id, "project_name": "Café Night", "unique_id_field": "id"},
        timeout=5,
    )
    assert created.status_code == 201 and created.json()["slug"] == "cafe-night"
    meta = requests.get(f"{base}/v1/project/{created.json()['project_id']}", headers=auth, timeout=5).json()
    expected = {"id", "slug", "organization_slug", "project_name", "description", "unique_id_field", "modality"}
    assert expected | {"insert_update_delete_lock", "total_datums_in_project", "project_fields", "schema"} <= set(meta)
    assert meta["modality"] is None and meta["schema"] is None and meta["atlas_indices"] == []
    bad = requests.post(f"{base}/v1/project/data/add/arrow", headers=auth, data=b"not arrow", timeout=5)
    assert bad.status_code == 400 and "detail" in bad.json()


def test_emulator_config_limits_the_organization(tmp_path) -> None:
    with AtlasEmulator(config=ServiceConfig(datum_limit=10)) as emu, ClientEnv(emu, tmp_path / "home") as env:
        ds = new_dataset(env)
        _, rows, emb = make_batch(12, seed=17)
        env.call(ds.add_data, rows, embeddings=emb, timeout=10)
        assert emu.dataset(ds.id).count == 0
        assert "more datums exceeds your organization limit" in arrow_entries(emu)[0].detail


def test_command_line_start(tmp_path) -> None:
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.atlas_emulator", "--port", "0", "--org", "cli-org", "--home", str(tmp_path)],
        cwd=repo,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        url = first.split(" on ", 1)[1].split()[0]
        assert requests.get(f"{url}/_emulator/state", timeout=5).json()["organization"] == "cli-org"
        assert '"token": "nk-emulator-test-key"' in (tmp_path / ".nomic" / "credentials").read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "stopped after 1 requests" in out


# --- maps: topic labels, the minimum, modalities ------------------------------------------------


def test_topic_labels_come_from_a_text_field_named_in_the_build(atlas_env: ClientEnv) -> None:
    from nomic.data_inference import NomicTopicOptions

    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    _, rows, emb = make_batch(24, seed=30)
    for k, row in enumerate(rows):
        row["group"] = ("glasses", "red hat")[k % 2]
    atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=10)

    with pytest.raises(Exception, match="not a text field"):  # shot is an int column
        atlas_env.call(ds.create_index, name="m", topic_model=NomicTopicOptions(topic_label_field="shot"), timeout=10)
    atlas_env.call(ds.create_index, name="m", topic_model=NomicTopicOptions(topic_label_field="group"), timeout=10)
    (index,) = emu.dataset(ds.id).indices
    assert index.topic_label_field == "group" and index.topic_labels == ("glasses", "red hat")
    assert not index.text_search, "a map of our own vectors offers no text search"
    request = index.request
    assert json.loads(request["topic_model_hyperparameters"])["community_description_target_field"] == "group"


def test_a_map_needs_enough_datums(atlas_env: ClientEnv) -> None:
    emu = atlas_env.emulator
    ds = new_dataset(atlas_env)
    _, rows, emb = make_batch(19, seed=31)
    atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=10)
    with pytest.raises(Exception, match="at least 20 datums"):
        atlas_env.call(ds.create_index, name="m", topic_model=False, timeout=10)
    assert emu.dataset(ds.id).indices == []


def small_jpegs(n: int, seed: int) -> list[bytes]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8), "RGB").save(buf, "JPEG")
        out.append(buf.getvalue())
    return out


def test_the_client_s_own_image_path_makes_an_image_map_embedded_with_nomic_embed_vision(atlas_env: ClientEnv) -> None:
    from nomic import atlas
    from nomic.data_inference import NomicTopicOptions

    emu = atlas_env.emulator
    ids, rows, _ = make_batch(24, seed=32)
    for k, row in enumerate(rows):
        row["group"] = ("glasses", "red hat")[k % 2]
    jpegs = small_jpegs(24, seed=32)
    atlas_env.call(atlas.map_data, data=rows, blobs=jpegs, identifier=f"{emu.org_slug}/images", id_field="id",
                   topic_model=NomicTopicOptions(topic_label_field="group"), duplicate_detection=False, timeout=20)
    dataset = emu.dataset("images")
    assert dataset.modality == "image" and sorted(dataset.ids) == sorted(ids)
    by_id = {r["id"]: r["_blob_hash"] for r in dataset.rows()}
    assert [emu.blobs[by_id[i]] for i in ids] == jpegs, "each row points at its own image"
    (index,) = dataset.indices
    assert index.model == "nomic-embed-vision-v1.5" and index.text_search
    assert index.topic_labels == ("glasses", "red hat")


def test_unsupported_combinations_are_refused(atlas_env: ClientEnv) -> None:
    from nomic import atlas

    emu = atlas_env.emulator
    ids, rows, emb = make_batch(24, seed=33)
    with pytest.raises(ValueError, match="cannot pass both `blobs` and `embeddings`"):  # the client itself
        atlas_env.call(atlas.map_data, data=rows, blobs=small_jpegs(24, 33), embeddings=emb, timeout=10)
    assert emu.log.entries("create") == []

    ds = new_dataset(atlas_env)  # our own vectors ...
    atlas_env.call(ds.add_data, rows, embeddings=emb, timeout=10)
    with pytest.raises(Exception, match="holds its own embeddings"):  # ... cannot be embedded again
        atlas_env.call(ds.create_index, name="m", indexed_field="participant", modality="text", topic_model=False,
                       timeout=10)

    images = new_dataset(atlas_env, "image set")
    atlas_env.call(images.add_data, rows, blobs=small_jpegs(24, 34), timeout=10)
    assert emu.dataset(images.id).modality == "image"
    with pytest.raises(Exception, match="cannot embed images"):
        atlas_env.call(images.create_index, name="m", modality="image", embedding_model="nomic-embed-text-v1.5",
                       topic_model=False, timeout=10)
    assert emu.dataset(images.id).indices == [] and emu.dataset(ds.id).indices == []
