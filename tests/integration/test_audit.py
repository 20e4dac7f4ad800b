"""The audit end to end with the tiny model: scoring, the synthetic suite, downloads, the probe."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photosearch.audit.datasets import AuditDataError, load_task
from photosearch.audit.download import download_task_files
from photosearch.audit.probe import probe_pairs, spearman
from photosearch.audit.run import check_files, run_audit, synthetic_dir
from photosearch.audit.scoring import score_items
from photosearch.audit.synthetic import write_suite
from photosearch.audit.tasks import AuditItem


def test_scores_are_cosines_of_the_cropped_image_and_each_caption(tiny_embedder, tmp_path):
    image = Image.effect_noise((120, 80), 60).convert("RGB")
    image.save(tmp_path / "scene.png")
    item = AuditItem(tmp_path / "scene.png", ("a dog on grass", "grass on a dog"), (10, 5, 50, 40))
    scores = score_items([item], tiny_embedder)

    crop = tiny_embedder.embed_images([image.crop((10, 5, 60, 45))])[0]
    whole = tiny_embedder.embed_images([image])[0]
    texts = tiny_embedder.embed_texts(list(item.options))
    np.testing.assert_allclose(scores[0], texts @ crop, atol=1e-5)
    assert not np.allclose(scores[0], texts @ whole, atol=1e-4)


def test_synthetic_suite_is_deterministic_by_seed(tmp_path):
    def digest(directory: Path) -> str:
        files = sorted(p for p in directory.rglob("*") if p.is_file())
        return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()

    a = write_suite(tmp_path / "a", 40, seed=3)
    b = write_suite(tmp_path / "b", 40, seed=3)
    c = write_suite(tmp_path / "c", 40, seed=4)
    assert digest(a) == digest(b) != digest(c)
    relations = json.loads((a / "visual_genome_relation.json").read_text())
    assert len(relations) == 40 and len(list((a / "images").iterdir())) == 80
    for entry in relations:  # the false caption swaps subject and object
        subject, _, rest = entry["true_caption"].partition(f" is {entry['relation_name']} ")
        assert entry["false_caption"] == f"{rest} is {entry['relation_name']} {subject}"
    for task in ("synthetic-relation", "synthetic-attribution", "synthetic-order"):
        assert len(load_task(task, a)) == 40


def test_two_models_side_by_side(tiny_embedder, tmp_path):
    from photosearch.config import Config
    from photosearch.model.embedder import Embedder
    from photosearch.model.loading import TEST_ARCH, load_model, parse_model

    from ..conftest import save_tiny_checkpoint

    other = f"{TEST_ARCH}:{save_tiny_checkpoint(tmp_path / 'other.pt', seed=9)}"
    config = Config.load(environ={}, data_dir=tmp_path)
    second = Embedder(load_model(parse_model(other, config), config, "cpu"), "cpu")
    suite = synthetic_dir(tmp_path, 30, seed=1)
    tasks = ["synthetic-relation", "synthetic-order"]
    report = run_audit(tasks, suite, [("first", tiny_embedder), ("second", second)], limit=20)
    assert [m.name for m in report.models] == ["first", "second"]
    assert report.models[0].key != report.models[1].key
    for model in report.models:
        assert set(model.results) == set(tasks)
        assert all(r.items == 20 and 0 <= r.micro <= 1 for r in model.results.values())
    assert len(report.rows) == 2 * 2 * 20
    row = report.rows[0]
    assert row["correct"] == (row["true_score"] > row["best_wrong_score"])


def test_missing_official_files_are_listed_with_their_source(tmp_path):
    with pytest.raises(AuditDataError) as error:
        check_files(["vg-relation", "coco-order"], tmp_path)
    message = error.value.message
    assert "visual_genome_relation.json" in message and "images" in message
    assert "coco_karpathy_test.json" in message and "--download" in message


class _RangeHandler(http.server.SimpleHTTPRequestHandler):
    """A loopback file server that honours Range requests, like the real hosts."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start = (
            int(self.headers["Range"].split("=")[1].rstrip("-")) if "Range" in self.headers else 0
        )
        # Recorded before replying: the client may look at the list as soon as it has the reply.
        self.server.requests.append((self.path, start))
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])


@pytest.fixture
def mirror(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    handler = lambda *a, **k: _RangeHandler(*a, directory=str(served), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_port}/", server.requests
    server.shutdown()


def test_download_resumes_unpacks_and_skips_what_is_there(tmp_path, mirror):
    served, url, requests = mirror
    relations = [
        {
            "image_path": "a.png",
            "bbox_x": 0,
            "bbox_y": 0,
            "bbox_w": 4,
            "bbox_h": 4,
            "true_caption": "x on y",
            "false_caption": "y on x",
            "relation_name": "on",
        }
    ]
    (served / "visual_genome_relation.json").write_text(json.dumps(relations) + " " * 5000)
    Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    with zipfile.ZipFile(served / "vgr_vga_images.zip", "w") as bundle:
        bundle.write(tmp_path / "a.png", "vg_images/a.png")

    data_dir = tmp_path / "aro"
    data_dir.mkdir()
    whole = (served / "visual_genome_relation.json").read_bytes()
    (data_dir / "visual_genome_relation.json.part").write_bytes(whole[:1000])  # interrupted
    download_task_files(["vg-relation"], data_dir, base_url=url)

    assert (data_dir / "visual_genome_relation.json").read_bytes() == whole
    assert ("/visual_genome_relation.json", 1000) in requests  # resumed, not restarted
    assert (data_dir / "images" / "a.png").is_file()
    assert len(load_task("vg-relation", data_dir)) == 1

    (served / "visual_genome_attribution.json").write_text("[]")
    requests.clear()
    notes = download_task_files(["vg-relation", "vg-attribution"], data_dir, base_url=url)
    assert ("/visual_genome_attribution.json", 0) in requests
    assert not any("relation" in path or "zip" in path for path, _ in requests)
    assert any("already there" in note for note in notes)


def test_unreachable_host_is_a_clear_error(tmp_path):
    with pytest.raises(AuditDataError, match="Could not download coco_karpathy_test.json"):
        download_task_files(["coco-order"], tmp_path, base_url="http://127.0.0.1:9/")


def test_probe_reports_overlap_and_rank_correlation(library, photo_tree):
    library.index([photo_tree])
    results = probe_pairs(library.searcher, [("a dog chasing a cat", "a cat chasing a dog")], k=5)
    (result,) = results
    assert 0 <= result.overlap <= 1 and 5 <= result.photos <= 10
    assert result.rank_correlation is None or -1 <= result.rank_correlation <= 1
    same = probe_pairs(library.searcher, [("a red boat", "a red boat")], k=5)[0]
    assert same.overlap == 1.0 and same.text_similarity == pytest.approx(1.0, abs=1e-5)
    assert same.rank_correlation == pytest.approx(1.0)


def test_spearman_matches_hand_computed_values():
    assert spearman(np.array([1.0, 2, 3, 4]), np.array([10.0, 20, 30, 40])) == pytest.approx(1)
    assert spearman(np.array([1.0, 2, 3, 4]), np.array([4.0, 3, 2, 1])) == pytest.approx(-1)
    # ranks (0,1,2,3) vs (0,2,1,3): 1 - 6*2/(4*15) = 0.8
    assert spearman(np.array([1.0, 2, 3, 4]), np.array([1.0, 3, 2, 4])) == pytest.approx(0.8)
    assert spearman(np.array([1.0, 1, 1]), np.array([1.0, 2, 3])) is None


def test_official_relation_fixture_end_to_end_matches_a_hand_computation(tiny_embedder, tmp_path):
    """run_audit on VG-Relation files against the definition applied by hand to raw embeddings."""
    (tmp_path / "images").mkdir()
    entries = []
    relations = ["on", "on", "above", "above", "above", "near", "eating", "eating"]
    for index, relation in enumerate(relations):
        Image.effect_noise((64, 48), 20 + 10 * index).convert("RGB").save(
            tmp_path / "images" / f"{index}.png"
        )
        entries.append(
            {
                "image_path": f"{index}.png",
                "bbox_x": 4,
                "bbox_y": 4,
                "bbox_w": 40,
                "bbox_h": 30,
                "true_caption": f"the cat {index} is {relation} the mat",
                "false_caption": f"the mat is {relation} the cat {index}",
                "relation_name": relation,
            }
        )
    (tmp_path / "visual_genome_relation.json").write_text(json.dumps(entries))

    report = run_audit(["vg-relation"], tmp_path, [("tiny", tiny_embedder)])
    result = report.models[0].results["vg-relation"]

    by_relation: dict[str, list[bool]] = {}
    for entry in entries:
        with Image.open(tmp_path / "images" / entry["image_path"]) as image:
            crop = image.convert("RGB").crop((4, 4, 44, 34))
        image_vector = tiny_embedder.embed_images([crop])[0]
        true, false = tiny_embedder.embed_texts([entry["true_caption"], entry["false_caption"]])
        right = float(true @ image_vector) > float(false @ image_vector)
        by_relation.setdefault(entry["relation_name"], []).append(right)
    kept = [np.mean(v) for name, v in by_relation.items() if name != "near"]  # "near" excluded
    assert result.accuracy == pytest.approx(float(np.mean(kept)), abs=1e-9)
    assert result.micro == pytest.approx(np.mean([ok for v in by_relation.values() for ok in v]))
    assert result.groups == 3
