"""The ARO tasks: what an item is, how items are scored right or wrong, and each task's metric."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Relations the ARO authors leave out of VG-Relation's macro accuracy: swapping subject and
# object does not make a clearly false caption, or the relation is vague.
VG_RELATION_EXCLUDED = frozenset(
    """adjusting|attached to|between|bigger than|biting|boarding|brushing|chewing|cleaning|
climbing|close to|coming from|coming out of|contain|crossing|dragging|draped over|drinking|
drinking from|driving|driving down|driving on|eating from|eating in|enclosing|exiting|facing|
filled with|floating in|floating on|flying|flying above|flying in|flying over|flying through|
full of|going down|going into|going through|grazing in|growing in|growing on|guiding|
hanging from|hanging in|hanging off|hanging over|higher than|holding onto|hugging|in between|
jumping off|jumping on|jumping over|kept in|larger than|leading|leaning over|leaving|licking|
longer than|looking in|looking into|looking out|looking over|looking through|lying next to|
lying on top of|making|mixed with|mounted on|moving|on the back of|on the edge of|
on the front of|on the other side of|opening|painted on|parked at|parked beside|parked by|
parked in|parked in front of|parked near|parked next to|perched on|petting|piled on|playing|
playing in|playing on|playing with|pouring|reaching for|reading|reflected on|riding on|
running in|running on|running through|seen through|sitting behind|sitting beside|sitting by|
sitting in front of|sitting near|sitting next to|sitting under|skiing down|skiing on|
sleeping in|sleeping on|smiling at|sniffing|splashing|sprinkled on|stacked on|
standing against|standing around|standing behind|standing beside|standing in front of|
standing near|standing next to|staring at|stuck in|surrounding|swimming in|swinging|
talking to|topped with|touching|traveling down|traveling on|tying|typing on|underneath|
wading in|waiting for|walking across|walking by|walking down|walking next to|
walking through|working in|working on|worn on|wrapped around|wrapped in|by|of|near|next to|
with|beside|on the side of|around""".replace("\n", "").split("|")
)
MIN_ATTRIBUTE_GROUP = 25  # VG-Attribution: attribute pairs with fewer items are dropped


@dataclass(frozen=True)
class AuditItem:
    """One image (or a box of it) and its caption options; options[0] is the true caption."""

    image: Path
    options: tuple[str, ...]
    bbox: tuple[float, float, float, float] | None = None  # x, y, width, height
    group: str | None = None  # the relation name, or the attribute pair


@dataclass(frozen=True)
class TaskResult:
    accuracy: float | None  # the headline metric; None when no group qualifies
    micro: float
    items: int
    groups: int  # groups that counted toward a macro accuracy (0 for plain accuracy)


@dataclass(frozen=True)
class Task:
    key: str
    title: str
    kind: str  # "relation", "attribution" or "order": decides scoring and metric
    chance: float
    paper_clip: float | None
    paper_negclip: float | None
    synthetic: bool = False

    def correct(self, scores: np.ndarray) -> np.ndarray:
        """Per item: did the true caption (column 0) win? scores has shape (items, options).

        VG tasks follow the reference argmax over [false, true]: a tie counts as wrong. Order
        tasks take argmax over [original, perturbations...]: a tie goes to the original."""
        best_other = scores[:, 1:].max(axis=1)
        if self.kind == "order":
            return scores[:, 0] >= best_other
        return scores[:, 0] > best_other

    def metric(self, items: list[AuditItem], correct: np.ndarray) -> TaskResult:
        correct = np.asarray(correct, dtype=bool)
        micro = float(correct.mean()) if len(correct) else float("nan")
        if self.kind == "order":
            return TaskResult(micro, micro, len(items), 0)
        groups: dict[str, list[bool]] = defaultdict(list)
        for item, ok in zip(items, correct, strict=True):
            groups[item.group].append(bool(ok))
        if self.kind == "relation":
            kept = [v for name, v in groups.items() if name not in VG_RELATION_EXCLUDED]
        else:
            kept = [v for v in groups.values() if len(v) >= MIN_ATTRIBUTE_GROUP]
        macro = float(np.mean([np.mean(v) for v in kept])) if kept else None
        return TaskResult(macro, micro, len(items), len(kept))


TASKS: dict[str, Task] = {
    task.key: task
    for task in (
        Task("vg-relation", "VG-Relation", "relation", 0.5, 0.59, 0.81),
        Task("vg-attribution", "VG-Attribution", "attribution", 0.5, 0.62, 0.71),
        Task("coco-order", "COCO-Order", "order", 0.2, 0.46, 0.86),
        Task("flickr30k-order", "Flickr30k-Order", "order", 0.2, 0.59, 0.91),
        Task("synthetic-relation", "Synthetic Relation", "relation", 0.5, 0.59, 0.81, True),
        Task(
            "synthetic-attribution", "Synthetic Attribution", "attribution", 0.5, 0.62, 0.71, True
        ),
        Task("synthetic-order", "Synthetic Order", "order", 0.2, 0.46, 0.86, True),
    )
}
OFFICIAL_TASKS = [key for key, task in TASKS.items() if not task.synthetic]
SYNTHETIC_TASKS = [key for key, task in TASKS.items() if task.synthetic]
