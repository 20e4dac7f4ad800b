"""ARO metrics on fixtures in the official formats, with accuracies computed by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from photosearch.audit.datasets import AuditDataError, load_task
from photosearch.audit.tasks import TASKS


def write_images(root, names):
    (root / "images").mkdir(parents=True, exist_ok=True)
    for name in names:
        Image.new("RGB", (40, 30), "white").save(root / "images" / name)


def vg_entry(index: int, **fields) -> dict:
    return {
        "image_path": f"img{index}.png",
        "bbox_x": 1,
        "bbox_y": 2,
        "bbox_w": 20,
        "bbox_h": 10,
        "true_caption": f"true {index}",
        "false_caption": f"false {index}",
        **fields,
    }


def scores_for(outcomes: list[bool]) -> np.ndarray:
    """Two-option scores where the true caption wins exactly where outcome is True."""
    return np.array([[0.3, 0.2] if ok else [0.2, 0.3] for ok in outcomes], dtype=np.float32)


def test_vg_relation_macro_over_relations_with_exclusions(tmp_path):
    # above: 2 of 3 right; on: 1 of 2; eating: 1 of 1; near (excluded): 0 of 2.
    plan = [
        ("above", True),
        ("above", True),
        ("above", False),
        ("on", True),
        ("on", False),
        ("eating", True),
        ("near", False),
        ("near", False),
    ]
    entries = [vg_entry(i, relation_name=name) for i, (name, _) in enumerate(plan)]
    (tmp_path / "visual_genome_relation.json").write_text(json.dumps(entries))
    write_images(tmp_path, [e["image_path"] for e in entries])

    items = load_task("vg-relation", tmp_path)
    task = TASKS["vg-relation"]
    result = task.metric(items, task.correct(scores_for([ok for _, ok in plan])))

    assert result.accuracy == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)  # 0.7222, "near" left out
    assert result.micro == pytest.approx(4 / 8)
    assert result.groups == 3 and result.items == 8
    assert items[0].bbox == (1.0, 2.0, 20.0, 10.0)
    assert items[0].options == ("true 0", "false 0")


def test_vg_attribution_macro_drops_pairs_under_25_items(tmp_path):
    # red_blue: 20 of 25 right; blue_red: 15 of 30; green_red: 24 of 24 but too small a group.
    plan = (
        [("red", "blue", i < 20) for i in range(25)]
        + [("blue", "red", i < 15) for i in range(30)]
        + [("green", "red", True) for _ in range(24)]
    )
    entries = [vg_entry(i, attributes=[a, b]) for i, (a, b, _) in enumerate(plan)]
    (tmp_path / "visual_genome_attribution.json").write_text(json.dumps(entries))
    write_images(tmp_path, [e["image_path"] for e in entries])

    items = load_task("vg-attribution", tmp_path)
    task = TASKS["vg-attribution"]
    result = task.metric(items, task.correct(scores_for([ok for *_, ok in plan])))

    assert result.accuracy == pytest.approx((20 / 25 + 15 / 30) / 2)  # 0.65
    assert result.micro == pytest.approx((20 + 15 + 24) / 79)
    assert result.groups == 2
    assert {item.group for item in items} == {"red_blue", "blue_red", "green_red"}


def test_attribution_without_a_big_enough_group_has_no_macro(tmp_path):
    entries = [vg_entry(i, attributes=["red", "blue"]) for i in range(3)]
    (tmp_path / "visual_genome_attribution.json").write_text(json.dumps(entries))
    write_images(tmp_path, [e["image_path"] for e in entries])
    items = load_task("vg-attribution", tmp_path)
    result = TASKS["vg-attribution"].metric(items, [True, True, False])
    assert result.accuracy is None and result.micro == pytest.approx(2 / 3)


def test_ties_are_wrong_for_vg_and_right_for_order():
    tie = np.array([[0.5, 0.5]], dtype=np.float32)
    assert not TASKS["vg-relation"].correct(tie)[0]
    five = np.array(
        [
            [0.5, 0.5, 0.1, 0.1, 0.1],  # tie with a perturbation: argmax picks the original
            [0.4, 0.1, 0.6, 0.1, 0.1],  # a perturbation wins
            [0.9, 0.1, 0.1, 0.1, 0.8],  # the original wins
            [0.1, 0.1, 0.1, 0.1, 0.2],
        ],
        dtype=np.float32,
    )
    task = TASKS["coco-order"]
    correct = task.correct(five)
    assert correct.tolist() == [True, False, True, False]
    assert task.metric([None] * 4, correct).accuracy == pytest.approx(0.5)


def test_order_items_one_per_caption_with_five_normalised_options(tmp_path):
    (tmp_path / "val2014").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "val2014" / "a.jpg")
    entries = [{"image": "val2014/a.jpg", "caption": ["A Dog; chasing a red ball!", "Two cats."]}]
    (tmp_path / "coco_karpathy_test.json").write_text(json.dumps(entries))
    items = load_task("coco-order", tmp_path, seed=1)
    assert len(items) == 2
    assert all(len(item.options) == 5 for item in items)
    assert items[0].options[0] == "a dog chasing a red ball"
    assert items[1].options[0] == "two cats"
    assert items == load_task("coco-order", tmp_path, seed=1)  # seeded, deterministic


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON: .* line 1"),
        ('{"a": 1}', "should hold a JSON list"),
        ('[{"image_path": "x.png"}]', r"entry 0: missing field 'bbox_x'"),
        ("[1]", "entry 0: expected an object"),
    ],
)
def test_malformed_files_name_file_and_entry(tmp_path, content, message):
    (tmp_path / "visual_genome_relation.json").write_text(content)
    with pytest.raises(AuditDataError, match=message) as error:
        load_task("vg-relation", tmp_path)
    assert "visual_genome_relation.json" in error.value.message


def test_bad_fields_are_named(tmp_path):
    path = tmp_path / "visual_genome_relation.json"
    cases = [
        (vg_entry(0, relation_name=7), "entry 1: field 'relation_name' should be str"),
        (vg_entry(0, relation_name="on", bbox_w=0), "entry 1: the box has no area"),
    ]
    for bad, message in cases:
        path.write_text(json.dumps([vg_entry(0, relation_name="on"), bad]))
        with pytest.raises(AuditDataError, match=message):
            load_task("vg-relation", tmp_path)
    attribution = tmp_path / "visual_genome_attribution.json"
    attribution.write_text(json.dumps([vg_entry(0, attributes=["red"])]))
    with pytest.raises(AuditDataError, match="entry 0: 'attributes' should be a list of two"):
        load_task("vg-attribution", tmp_path)
    order = tmp_path / "coco_karpathy_test.json"
    order.write_text(json.dumps([{"image": "a.jpg", "caption": []}]))
    with pytest.raises(AuditDataError, match="entry 0: 'caption' should be a list"):
        load_task("coco-order", tmp_path)


def test_missing_images_are_reported(tmp_path):
    (tmp_path / "visual_genome_relation.json").write_text(
        json.dumps([vg_entry(0, relation_name="on")])
    )
    with pytest.raises(AuditDataError, match="1 image.* missing, for example .*img0.png"):
        load_task("vg-relation", tmp_path)
