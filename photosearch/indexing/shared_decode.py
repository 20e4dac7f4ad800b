"""One decode of a photo for every content pass that reads its pixels: the text pass and the
faces pass read the same copy. It is decoded at the largest side that those passes ask for,
which they tell from the header (a JPEG's text is detected on libjpeg's reduced draft, its faces
on a smaller copy of the same draft); their models' memory is reserved in the decode budget
before the decode, so that a photo waits for what its whole reading takes rather than hold its
pixels while it waits. A pass that needs every pixel only sometimes (the text pass cuts the
lines it found from the full photo) asks for the photo at full size: decoded at most once more,
on the first call, and held until every pass has read it. A video's scene is read the same
way, from the frame at its time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

from ..imaging.budget import shared_budget
from ..imaging.decoder import Header, decode, read_header
from ..video.seeking import open_video
from .content_pass import FILE_BYTES, WHOLE, Content

if TYPE_CHECKING:
    from PIL import Image

    from ..imaging.photo_file import Source
    from .content_pass import ContentPass


@contextmanager
def decoded_for(
    passes: Sequence[ContentPass], source: Source, name: str, max_pixels: int
) -> Iterator[Content]:
    """The photo as these passes read it, its memory held in the decode budget until the block
    ends. Raises imaging.decoded.DecodeError when it cannot be decoded."""
    header = read_header(source, name)
    side = max(content_pass.side_for(header) for content_pass in passes)
    planned = None if header is None else header.decoded_size(side)
    budget = shared_budget()
    with ExitStack() as held:
        if planned is not None:
            held.enter_context(budget.reserve(_memory(passes, planned), name))
        decoded = held.enter_context(
            decode(source, max_pixels=max_pixels, min_side=side, name=name)
        )
        image = decoded.image
        if planned is None:  # a header only the decoder could read: reserved now it is known
            held.enter_context(budget.reserve(_memory(passes, image.size), name))
        size = (decoded.meta.width or image.width, decoded.meta.height or image.height)
        # A decode for WHOLE is as whole as the budget and the format allow (a RAW file's is
        # half its size): decoding it again would give the same.
        whole = None
        if side < WHOLE and image.size != size:
            whole = _Whole(source, name, max_pixels, held)
        yield Content(name, source, image, size, whole)


@contextmanager
def scene_for(
    passes: Sequence[ContentPass], path: str, seconds: float, max_pixels: int
) -> Iterator[Content]:
    """A video's kept scene as these passes read it: the frame at `seconds`, decoded once at
    the largest side they ask for (told the frame's size as a header; a pass that wants a
    file's bytes is given the frame whole), held in the decode budget with their models'
    memory until the block ends. Raises video.VideoError."""
    with open_video(path) as video:
        header = Header(*video.size, "VIDEO")
        side = max(WHOLE if p.side == FILE_BYTES else p.side_for(header) for p in passes)
        width, height = header.decoded_size(side)
        memory = _memory(passes, (width, height)) + 3 * width * height  # and the RGB frame
        with shared_budget().reserve(memory, path):
            still = video.frame_at(seconds, side, max_pixels)
            yield Content(path, path, still.image, still.size)


def _memory(passes: Sequence[ContentPass], size: tuple[int, int]) -> int:
    return sum(content_pass.memory(size) for content_pass in passes)


class _Whole:
    """The photo at full resolution, decoded on the first call and held with the rest."""

    def __init__(self, source: Source, name: str, max_pixels: int, held: ExitStack):
        self.source, self.name, self.max_pixels, self.held = source, name, max_pixels, held
        self.image: Image.Image | None = None

    def __call__(self) -> Image.Image:
        if self.image is None:
            decoded = decode(
                self.source, max_pixels=self.max_pixels, min_side=WHOLE, name=self.name
            )
            self.image = self.held.enter_context(decoded).image
        return self.image
