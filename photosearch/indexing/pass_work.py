"""The content passes' work in one process, for either stage (this process's threads, or each
Ray actor): the passes opened first, their models loaded on the opening thread before any photo
(never by photo threads racing to load them); then each file read and hashed once, decoded at
most once for every pass that wants pixels (shared_decode.py, inside the decode budget), and
handed to each pass that has not read it. A file too large to hold in the budget
(imaging.photo_file) is the exception: it is hashed as it streams past, then read again from its
path by the decode and by each pass that wants its bytes. What a pass raises is that pass's
failure for that content, never the photo's or another pass's. A video's kept scene is read
as a photo: the frame at its time, decoded once for every pass (shared_decode.scene_for)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

from ..config import Config
from ..imaging.decoder import DecodeError
from ..imaging.photo_file import PhotoFile, read_photo
from ..parallel import WorkerPool, bounded_map
from ..video import VideoError
from .content_pass import FILE_BYTES, Content, ContentPass, PassError
from .problem import Problem
from .shared_decode import decoded_for, scene_for
from .stage import PassJob, PassResult


class PassWork:
    """The enabled passes, opened in this process; `host` names it in read errors."""

    device = "cpu"  # the passes run on a stage's CPU workers

    def __init__(self, config: Config, passes: Sequence[ContentPass], host: str = ""):
        self.config = config
        self.host = host
        self.on_host = f" (on {host})" if host else ""
        self.passes = {content_pass.name: content_pass for content_pass in passes}
        self.readers = {content_pass.name: content_pass.open(config) for content_pass in passes}
        self.batch = min(content_pass.batch for content_pass in passes)
        self.at_once = min(reader.at_once for reader in self.readers.values())
        self.limit = 3 * config.decode_timeout  # a photo's passes together, at most

    @property
    def runtime(self) -> str:
        return ", ".join(p.runtime for p in self.passes.values() if p.runtime)

    def results(self, jobs: Sequence[PassJob]) -> Iterator[list[PassResult]]:
        """Each job's readings, in batches of the smallest batch the passes asked for, as many
        photos at once as every pass reads well."""
        batch: list[PassResult] = []
        with WorkerPool(self.at_once) as pool:
            for result in bounded_map(
                pool,
                self.read,
                jobs,
                in_flight=2 * self.at_once,
                timeout=self.limit or None,
                on_timeout=self._timed_out,
            ):
                batch.append(result)
                if len(batch) >= self.batch:
                    yield batch
                    batch = []
        if batch:
            yield batch

    def read(self, job: PassJob) -> PassResult:
        """Runs in a worker thread: the file's bytes, their hash, what each pass reads."""
        result = PassResult(job.number, job.content_hash)
        if job.seconds is not None:
            self._read_scene(result, job, job.seconds)
            return result
        try:
            file = read_photo(job.path)
        except OSError as exc:
            result.unreadable = Problem("unreadable", (exc.strerror or str(exc)) + self.on_host)
            return result
        with file:  # its bytes held in the decode budget until every pass has read them
            self._read_file(result, job, file)
        return result

    def _read_file(self, result: PassResult, job: PassJob, file: PhotoFile) -> None:
        result.content_hash = file.content_hash
        wanted = [self.passes[name] for name in job.passes]
        pixels = [content_pass for content_pass in wanted if content_pass.side != FILE_BYTES]
        as_bytes = [p for p in wanted if p not in pixels]
        self._read_by(result, as_bytes, Content(job.path, file.source))
        if not pixels:
            return
        try:
            with decoded_for(pixels, file.source, job.path, self.config.max_image_pixels) as seen:
                self._read_by(result, pixels, seen)
        except Exception as exc:  # noqa: BLE001 - one bad file must never stop the run
            result.problems.update({p.name: _problem(exc, "corrupt") for p in pixels})

    def _read_scene(self, result: PassResult, job: PassJob, seconds: float) -> None:
        """A video's kept scene: the frame at its time, as a photo to every pass (as a PNG
        file's bytes to one that wants bytes). Its key stands for its content: the video is
        not hashed again for it."""
        wanted = [self.passes[name] for name in job.passes]
        pixels = [content_pass for content_pass in wanted if content_pass.side != FILE_BYTES]
        try:
            with scene_for(wanted, job.path, seconds, self.config.max_image_pixels) as seen:
                self._read_by(result, pixels, seen)
                if len(pixels) < len(wanted):
                    as_bytes = [p for p in wanted if p not in pixels]
                    self._read_by(result, as_bytes, Content(job.path, _png(seen.image)))
        except Exception as exc:  # noqa: BLE001 - one bad scene must never stop the run
            if isinstance(exc, VideoError) and exc.kind == "unreadable":  # gone: read next run
                result.unreadable = Problem(exc.kind, exc.message + self.on_host)
            else:
                result.problems.update({p.name: _problem(exc, "corrupt") for p in wanted})

    def _read_by(self, result: PassResult, passes: list[ContentPass], content: Content) -> None:
        for content_pass in passes:
            try:
                result.readings[content_pass.name] = self.readers[content_pass.name](content)
            except Exception as exc:  # noqa: BLE001 - a pass's failure is its own
                result.problems[content_pass.name] = _problem(exc, content_pass.unexpected)

    def _timed_out(self, job: PassJob) -> PassResult:
        return PassResult(
            job.number,
            job.content_hash,
            problems={
                name: Problem(
                    "timeout",
                    f"{self.passes[name].doing} took longer than {self.limit} s "
                    "(3 x decode_timeout); skipped",
                )
                for name in job.passes
            },
        )


def _png(image) -> bytes:
    data = io.BytesIO()
    image.save(data, "PNG")
    return data.getvalue()


def _problem(exc: Exception, unexpected: str) -> Problem:
    """Why a reading failed: the decoder's or the pass's own kind, else `unexpected`."""
    if isinstance(exc, DecodeError | PassError | VideoError):
        return Problem(exc.kind, exc.message)
    return Problem(unexpected, f"{type(exc).__name__}: {exc}")
