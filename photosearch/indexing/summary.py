"""What an index run did, counted: the CLI prints it, the watcher logs it, the API returns it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class CountNames:
    """The names a content pass's counts go by in the run summary: its JSON keys and its
    attributes (the text pass's are texts_read, with_text, ...), so that a pass's counts read
    as they always have."""

    read: str
    found: str
    failed: str
    seconds: str
    per_second: str


@dataclass
class PassCounts:
    """One content pass in one run."""

    names: CountNames
    read: int = 0  # contents the pass read in this run
    found: int = 0  # of those, contents it found something in
    failed: int = 0  # of those, contents it could not read
    seconds: float = 0.0  # of the run's seconds, those of the passes (they run together)

    @property
    def per_second(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def named(self) -> dict[str, int | float]:
        names = self.names
        return {
            names.read: self.read,
            names.found: self.found,
            names.failed: self.failed,
            names.seconds: self.seconds,
            names.per_second: self.per_second,
        }


@dataclass
class IndexSummary:
    new: int = 0
    changed: int = 0
    moved: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: int = 0
    embedded: int = 0  # images that went through the model in this run
    reused: int = 0  # vectors copied from a photo with identical content
    seconds: float = 0.0
    decoded: dict[str, int] = field(default_factory=dict)  # files each decoder took: cpu, gpu
    device: str = ""
    runtime: str = ""  # e.g. "torch bf16": what encoded the images
    where: str = ""  # "in this process", or the Ray cluster and its workers
    passes: dict[str, PassCounts] = field(default_factory=dict)  # by pass name
    faces_joined: int = 0  # faces found in this run that joined people, new ones included
    new_people: int = 0  # people founded by this run's faces
    faces_kept: int = 0  # faces found again (a new face model's) that kept their person
    faces_of_other_models: int = 0  # photos whose faces another face model found (not asked)

    def __getattr__(self, name: str):
        """A pass's count by its name in the summary (summary.texts_read)."""
        if name != "passes":
            for counts in self.passes.values():
                named = counts.named()
                if name in named:
                    return named[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def embedding_seconds(self) -> float:
        """The seconds of the run but those of the content passes."""
        return self.seconds - max((counts.seconds for counts in self.passes.values()), default=0)

    @property
    def images_per_second(self) -> float:
        seconds = self.embedding_seconds
        return self.embedded / seconds if seconds > 0 else 0.0

    def to_dict(self) -> dict:
        data = {item.name: getattr(self, item.name) for item in fields(self)}
        data["decoded"] = dict(self.decoded)
        data["images_per_second"] = round(self.images_per_second, 2)
        for counts in data.pop("passes").values():
            data.update(counts.named())
            data[counts.names.per_second] = round(counts.per_second, 2)
        return data
