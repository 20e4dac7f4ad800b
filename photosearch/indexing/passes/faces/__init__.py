"""The faces pass: the faces in photos, found and described by the configured face model
(photosearch.faces) on the decoded copy the passes share, stored by the store's faces concern
for the grouping into people (photosearch.people) and for search by person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ....store import FaceScan
from ....store.faces import Faces
from ....store.people import People
from ...content_pass import ContentPass, Outcome
from ...summary import CountNames, PassCounts
from .finding import FaceFinder, FacesFound, ModelChoice, face_model, finding_bytes

if TYPE_CHECKING:
    from ....config import Config
    from ....store import Failure, Store, Writer


class FacesPass(ContentPass):
    """Its face model is a setting (`face_model`): the version and the side it detects at are
    that model's, taken from the configuration the run asks it about (`enabled`), and the model
    is loaded once a process, where its facts are first needed."""

    name = "faces"
    setting = "faces"
    setting_help = (
        "Find the faces in photos after embedding them (the `faces` setting; off by default)."
    )
    reread_help = "Look again for faces where an older face model looked, and where looking failed."
    label = "Finding faces"
    doing = "finding its faces"
    purpose = "finds the faces in photos"
    runtime = "dlib or ONNX Runtime (faces)"
    batch = 16
    unexpected = "faces"
    counted = CountNames(
        "faces_looked", "with_faces", "faces_failed", "faces_seconds", "faces_per_second"
    )

    def __init__(self) -> None:
        self.choice = ModelChoice("dlib")

    def enabled(self, config: Config) -> bool:
        self.choice = ModelChoice.of(config)
        return super().enabled(config)

    @property
    def version(self) -> str:  # type: ignore[override]
        return face_model(self.choice).version

    @property
    def side(self) -> int:  # type: ignore[override]
        return face_model(self.choice).side

    def memory(self, size: tuple[int, int]) -> int:
        return finding_bytes(*size, self.side)

    def open(self, config: Config) -> FaceFinder:
        self.choice = ModelChoice.of(config)
        return FaceFinder(self.choice)

    def pending(self, store: Store, roots: list[str], reread: bool) -> list[tuple[str, str]]:
        return store.concern(Faces).unscanned(roots, self.version if reread else None)

    def forget_unused(self, writer: Writer) -> None:
        writer.concern(Faces).prune_faces()
        writer.concern(People).prune_people()

    def record(self, writer: Writer, outcomes: list[Outcome]) -> None:
        writer.concern(Faces).set_faces([self._stored(outcome) for outcome in outcomes])

    def _stored(self, outcome: Outcome) -> FaceScan:
        if outcome.problem is not None:
            kind, message = outcome.problem
            return FaceScan(outcome.content_hash, self.version, (), kind, message)
        found: FacesFound = outcome.reading
        return FaceScan(outcome.content_hash, found.version, tuple(found.faces))

    def found(self, reading: FacesFound) -> bool:
        return bool(reading.faces)

    def failures(self, store: Store, limit: int | None) -> list[Failure]:
        return store.concern(Faces).face_failures(limit)

    def status(self, store: Store, config: Config) -> dict:
        return {
            **store.concern(Faces).face_counts(),
            **store.concern(People).people_counts(),
            "finding": self.enabled(config),
            "face_model": config.face_model,
        }

    def status_line(self, status: dict) -> str:
        looked, unscanned = status["faces_scanned"], status["faces_unscanned"]
        line = f"{looked:,} of {looked + unscanned:,} photos looked at"
        if unscanned and status["finding"]:
            line += f" ({unscanned:,} to go)"
        if status["faces_failed"]:
            line += f", {status['faces_failed']:,} failed (photosearch errors)"
        line += (
            f"; {status['faces']:,} faces in {status['with_faces']:,} photos; "
            f"{status['people']:,} people, {status['named_people']:,} named"
        )
        if not status["finding"]:
            line += "; finding faces is off (faces = false)"
        return line

    def summary_line(self, counts: PassCounts) -> str:
        failed = f", {counts.failed} failed" if counts.failed else ""
        return (
            f"looked for faces in {counts.read} photos ({counts.found} with faces{failed}) in "
            f"{counts.seconds:.1f} s, {counts.per_second:.1f} photos/s"
        )
