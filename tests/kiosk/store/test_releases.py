"""The terminal's releases on disk: staged between sessions, refusals recorded, the last good catalog kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.catalog_loader import load_catalog
from kiosk.store.releases import ReleaseStore
from protocol.release import Manifest, ReleaseError
from tests.protocol.release_kit import Publisher, changed_catalog


def _fill(store: ReleaseStore, manifest: Manifest, chunks: dict[str, bytes]) -> int:
    """Give the store the chunks it lacks, as a fetch would; return how many it asked for."""
    wanted = store.missing(manifest)
    for name in wanted:
        store.put_chunk(chunks[name])
    return len(wanted)


def _installed(tmp_path: Path) -> tuple[ReleaseStore, Publisher, Manifest]:
    """A store serving release 1 of the sample catalog."""
    store, publisher = ReleaseStore(tmp_path / "releases"), Publisher()
    payload, manifest, chunks = publisher.release()
    _fill(store, manifest, chunks)
    store.stage(payload, publisher.key.public_key())
    store.activate_staged()
    return store, publisher, manifest


def test_a_staged_release_is_served_only_after_the_switch_between_sessions(tmp_path: Path) -> None:
    store, publisher = ReleaseStore(tmp_path / "releases"), Publisher()
    payload, manifest, chunks = publisher.release()
    assert _fill(store, manifest, chunks) == len(manifest.digests())
    staged = store.stage(payload, publisher.key.public_key())
    assert store.current() is None
    assert store.state().staged == staged.name()
    assert store.activate_staged() == staged.name()
    current = store.current()
    assert current is not None
    assert load_catalog(current).content_hash == manifest.content_hash
    assert store.activate_staged() is None


def test_a_one_item_change_fetches_only_the_chunks_that_changed(tmp_path: Path) -> None:
    store, publisher, first = _installed(tmp_path)
    payload, manifest, chunks = publisher.release(changed_catalog(tmp_path))
    asked = _fill(store, manifest, chunks)
    assert asked == 2  # catalog.toml (its version) and items/tax.toml
    assert asked < len(manifest.digests()) // 4
    store.stage(payload, publisher.key.public_key())
    store.activate_staged()
    state = store.state()
    assert (state.current, state.previous) == (manifest.name(), first.name())
    current = store.current()
    assert current is not None
    assert load_catalog(current).version == "2026.12-b"


@pytest.mark.parametrize("replay", [True, False])
def test_a_downgrade_or_a_replayed_manifest_is_refused_recorded_and_the_active_release_kept(
        tmp_path: Path, replay: bool) -> None:
    store, publisher, _first = _installed(tmp_path)
    newer_payload, newer, newer_chunks = publisher.release()
    _fill(store, newer, newer_chunks)
    store.stage(newer_payload, publisher.key.public_key())
    store.activate_staged()
    old = Publisher(key=publisher.key)  # serial 1 again: an old manifest, or a replay of one
    payload, _, _ = old.release()
    with pytest.raises(ReleaseError, match="not newer") as caught:
        store.stage(payload if not replay else newer_payload, publisher.key.public_key())
    assert caught.value.reason == "downgrade"
    state = store.state()
    assert state.current == newer.name()
    assert state.staged is None
    assert state.refused is not None
    assert state.refused["reason"] == "downgrade"


def test_a_tampered_chunk_on_disk_is_refused_deleted_and_fetched_again(tmp_path: Path) -> None:
    store, publisher, first = _installed(tmp_path)
    payload, manifest, chunks = publisher.release(changed_catalog(tmp_path))
    _fill(store, manifest, chunks)
    victim = next(iter(store.missing(manifest) | {e.chunks[0] for e in manifest.files if e.path == "items/tax.toml"}))
    (store.chunks / victim).write_bytes(b"evil")
    with pytest.raises(ReleaseError) as caught:
        store.stage(payload, publisher.key.public_key())
    assert caught.value.reason == "chunk"
    assert store.missing(manifest) == {victim}
    assert store.state().current == first.name()
    _fill(store, manifest, chunks)
    assert store.stage(payload, publisher.key.public_key()).serial == 2


def test_a_release_for_other_halls_or_whose_catalog_is_not_the_one_named_is_refused(tmp_path: Path) -> None:
    store, publisher = ReleaseStore(tmp_path / "releases"), Publisher()
    payload, manifest, chunks = publisher.release(halls=("hall-b",))
    _fill(store, manifest, chunks)
    with pytest.raises(ReleaseError, match="hall-a"):
        store.stage(payload, publisher.key.public_key(), hall="hall-a")
    lying = manifest.model_copy(update={"serial": 5, "content_hash": "sha256:" + "0" * 64})
    from protocol.release import sign

    with pytest.raises(ReleaseError, match="not the one its manifest names") as caught:
        store.stage(sign(lying, publisher.key), publisher.key.public_key())
    assert caught.value.reason == "catalog"
    assert not list(store.releases.glob(".*staging"))


def test_rollback_serves_the_previous_release_and_then_the_installed_catalog(tmp_path: Path) -> None:
    store, publisher, first = _installed(tmp_path)
    payload, second, chunks = publisher.release(changed_catalog(tmp_path))
    _fill(store, second, chunks)
    store.stage(payload, publisher.key.public_key())
    store.activate_staged()
    assert store.rollback() == first.name()
    assert store.current() == store.releases / first.name()
    assert store.rollback() is None
    assert store.current() is None
    with pytest.raises(ReleaseError, match="already serves its installed catalog"):
        store.rollback()
    with pytest.raises(ReleaseError, match="not newer"):  # rolled back is not a way to re-install an old serial
        store.stage(payload, publisher.key.public_key())


def test_only_current_previous_and_staged_releases_and_their_chunks_are_kept(tmp_path: Path) -> None:
    store, publisher, first = _installed(tmp_path)
    names = [first.name()]
    for version in ("b", "c", "d", "e"):
        payload, manifest, chunks = publisher.release(changed_catalog(tmp_path, f"2026.12-{version}"))
        _fill(store, manifest, chunks)
        store.stage(payload, publisher.key.public_key())
        names.append(manifest.name())
        if version != "e":
            store.activate_staged()
    assert sorted(p.name for p in store.releases.iterdir()) == sorted(names[-3:])  # previous, current, staged
    kept: set[str] = set()
    for folder in store.releases.iterdir():
        kept |= Manifest.model_validate_json(json.loads((folder / "manifest.json").read_bytes())["manifest"]).digests()
    assert {p.name for p in store.chunks.iterdir()} == kept


def test_a_chunk_larger_than_a_chunk_may_be_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match="larger"):
        ReleaseStore(tmp_path).put_chunk(b"x" * (64 * 1024 + 1))
