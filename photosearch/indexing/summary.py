"""What an index run did, counted: the CLI prints it, the watcher logs it, the API returns it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


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
    texts_read: int = 0  # photos whose written text was read in this run
    with_text: int = 0  # of those, photos with some
    text_failed: int = 0  # of those, photos whose text could not be read
    seconds: float = 0.0
    text_seconds: float = 0.0  # of seconds, the text pass's
    decoded: dict[str, int] = field(default_factory=dict)  # files each decoder took: cpu, gpu
    device: str = ""
    runtime: str = ""  # e.g. "torch bf16": what encoded the images
    where: str = ""  # "in this process", or the Ray cluster and its workers

    @property
    def images_per_second(self) -> float:
        seconds = self.seconds - self.text_seconds
        return self.embedded / seconds if seconds > 0 else 0.0

    @property
    def texts_per_second(self) -> float:
        return self.texts_read / self.text_seconds if self.text_seconds > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            **asdict(self),
            "images_per_second": round(self.images_per_second, 2),
            "texts_per_second": round(self.texts_per_second, 2),
        }
