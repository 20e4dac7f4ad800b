"""The test photos, built on demand from the sample images that scikit-image's wheel ships, so
that a fresh clone tests itself with nothing downloaded and no photos committed.

`build(root)` writes:
- `photos/`: 13 real photos in album folders (JPEG, and two PNGs);
- `edge/`: 12 encodings every indexer must handle (12 MP, EXIF, orientation, HEIC, WEBP, ...);
- `bad/`: 6 files that cannot be indexed, each to be recorded with a reason;
- `extra/`: decoder cases outside what `photo_tree` indexes (so the suite's counts stay put):
  the 8 EXIF orientations, a palette PNG with a transparent colour, an LZW TIFF;
- `manifest.json`: path, what, expect, bytes and source of every file above.
Indexing photos/, edge/ and bad/ together gives 25 indexed photos and 6 recorded failures.
`make_hostile_tree` builds, at test time, what git could not store.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image
from pillow_heif import from_pillow

SKIMAGE_DATA = resources.files("skimage") / "data"
CREDITS = {  # from each image's docstring in skimage.data
    "astronaut.png": "NASA Great Images database; no known copyright restrictions, public domain",
    "brick.png": "CC0 Textures (Bricks25); CC0",
    "camera.png": "CC0 by the photographer (Lav Varshney)",
    "chelsea.png": "CC0 by the photographer (Stefan van der Walt)",
    "clock_motion.png": "public domain by the photographer (Stefan van der Walt)",
    "coffee.png": "Pikolo Espresso Bar; CC0 by the photographer (Rachel Michetti)",
    "coins.png": "Brooklyn Museum Collection; no known copyright restrictions",
    "grass.png": "DeviantArt (linolafett, Grass 01); CC0",
    "gravel.png": "CC0 Textures (Gravel04); CC0",
    "hubble_deep_field.jpg": "NASA (HubbleSite); public domain",
    "moon.png": "no licence stated in its docstring",
    "motorcycle_left.png": "Middlebury 2014 stereo benchmark; no licence stated in its docstring",
    "retina.jpg": "Wikimedia Commons (Mikael Häggström); CC0 1.0",
    "rocket.jpg": "SpaceX; released into the public domain",
}
CAT, COFFEE, ROCKET = "chelsea.png", "coffee.png", "rocket.jpg"
BOMB_SIDE = 40_000  # 1.6 gigapixels claimed
ORIENTED_SIZE = (96, 64)  # extra/upright.png and what each orientation-N.jpg displays as


@dataclass(frozen=True)
class Entry:
    path: str
    what: str
    expect: str
    source: str  # a scikit-image file name, or "" for a file generated from nothing
    make: Callable[[], bytes]

    def manifest_entry(self, size: int) -> dict:
        source = "generated"
        if self.source:
            source = f"scikit-image sample data ({self.source}); {CREDITS[self.source]}"
        return {
            "path": self.path,
            "what": self.what,
            "expect": self.expect,
            "bytes": size,
            "source": source,
        }


@cache
def sample(name: str) -> Image.Image:
    """A scikit-image sample image read from its wheel (never fetched), without its metadata
    (chelsea.png carries XMP with a camera and an orientation the tests must not see)."""
    with Image.open(SKIMAGE_DATA / name) as image:
        image.load()
    image.info.clear()
    return image


def encoded(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def jpeg(name: str, quality: int = 90) -> Callable[[], bytes]:
    return lambda: encoded(sample(name), "JPEG", quality=quality)


def album_photo(path: str, name: str, what: str) -> Entry:
    """A real photo as a camera or phone would store it: JPEG, or the bundled PNG as it is."""
    make = (SKIMAGE_DATA / name).read_bytes if path.endswith(".png") else jpeg(name)
    return Entry(path, what, "index", name, make)


def big_12mp() -> bytes:
    """A 4:3 crop of the 1411x1411 retina photo upscaled to 4000x3000 with sensor-like noise."""
    retina = sample("retina.jpg")
    side = retina.width
    top = (side - side * 3 // 4) // 2
    crop = retina.crop((0, top, side, top + side * 3 // 4)).resize((4000, 3000), Image.BICUBIC)
    pixels = np.random.default_rng(0).standard_normal((3000, 4000, 3), dtype=np.float32)
    pixels *= 6
    pixels += np.asarray(crop)
    np.clip(pixels, 0, 255, out=pixels)
    return encoded(Image.fromarray(pixels.astype(np.uint8)), "JPEG", quality=92)


def exif_paris() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "Canon EOS 5D Mark IV"  # Model
    exif.get_ifd(0x8769)[0x9003] = "2017:07:15 16:42:10"  # DateTimeOriginal
    gps = {1: "N", 2: (48.0, 51.0, 29.64), 3: "E", 4: (2.0, 17.0, 40.2)}  # 48.8582N 2.2945E
    exif.get_ifd(0x8825).update(gps)
    return encoded(sample(COFFEE), "JPEG", quality=90, exif=exif)


# How the stored pixels relate to the upright ones under each EXIF orientation, as the EXIF
# standard defines them (where row 0 and column 0 of the stored image are seen), not as any
# decoder implements them.
STORED = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],  # mirrored left-right
    3: lambda a: a[::-1, ::-1],  # upside down
    4: lambda a: a[::-1],  # mirrored top-bottom
    5: lambda a: a.transpose(1, 0, 2),  # row 0 is the left side, column 0 the top
    6: lambda a: np.rot90(a, 1),  # row 0 is the right side: turn 90 degrees clockwise to view
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),  # row 0 is the right side, column 0 the bottom
    8: lambda a: np.rot90(a, -1),  # row 0 is the left side: turn 90 degrees anticlockwise
}


def oriented(upright: Image.Image, orientation: int, quality: int) -> bytes:
    """A JPEG stored the way a camera held at `orientation` stores it, tagged with it."""
    stored = np.ascontiguousarray(STORED[orientation](np.asarray(upright)))
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(Image.fromarray(stored), "JPEG", quality=quality, exif=exif)


def small_upright() -> Image.Image:
    """The cat's head at 96x64: no symmetry, so a wrong flip or turn shows in its pixels."""
    return sample(CAT).crop((90, 10, 330, 170)).resize(ORIENTED_SIZE, Image.LANCZOS)


def gray_16bit() -> bytes:
    gray = np.asarray(sample(COFFEE).convert("L"), dtype=np.float64)
    stretched = (gray - gray.min()) / (gray.max() - gray.min()) * 65535  # the full 16-bit range
    return encoded(Image.fromarray(stretched.round().astype(np.uint16)), "PNG")


def alpha_gradient() -> bytes:
    cat = sample(CAT).convert("RGBA")
    ramp = np.linspace(0, 255, cat.height).round().astype(np.uint8)  # transparent at the top
    cat.putalpha(Image.fromarray(np.repeat(ramp[:, None], cat.width, axis=1)))
    return encoded(cat, "PNG")


def animated() -> bytes:
    """Three frames panning across the launch photo."""
    rocket = sample(ROCKET)
    frames = [rocket.crop((x, 0, x + 480, 360)).resize((160, 120)) for x in (0, 80, 160)]
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)


@cache
def small_coffee() -> bytes:
    return encoded(sample(COFFEE).resize((300, 200), Image.LANCZOS), "JPEG", quality=80)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


PNG_HEADER = b"\x89PNG\r\n\x1a\n" + png_chunk(
    b"IHDR",
    struct.pack(">IIBBBBB", BOMB_SIDE, BOMB_SIDE, 1, 0, 0, 0, 0),  # 1-bit gray
)


def decompression_bomb() -> bytes:
    """All 40,000 rows of the 1-bit image are zeros (a filter byte and 5,000 zero bytes each).
    A thousand of them are deflated once, ending on a full flush so the block stands alone,
    and repeated: 200 MB described in 194 KB without compressing 200 MB."""
    rows = (1 + BOMB_SIDE // 8) * 1000
    compressor = zlib.compressobj(9, wbits=-15)  # raw deflate: the zlib wrapper is added here
    block = compressor.compress(bytes(rows)) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.flush()  # an empty final block
    adler32 = (rows * (BOMB_SIDE // 1000) % 65521) << 16 | 1  # Adler-32 of that many zeros
    stream = b"\x78\xda" + block * (BOMB_SIDE // 1000) + last + struct.pack(">I", adler32)
    return PNG_HEADER + png_chunk(b"IDAT", stream) + png_chunk(b"IEND", b"")


PNG_COLOUR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels: PNG colour type (gray, +alpha, RGB, +alpha)


def flat_png(
    width: int,
    height: int,
    colour: tuple[int, ...] = (90, 140, 200),
    depth: int = 8,
    exif: Image.Exif | None = None,
) -> bytes:
    """A PNG of one colour (1 to 4 channels, 8 or 16 bits), of any size, written without ever
    holding its pixels: a block of identical rows is deflated once, ending on a full flush so it
    stands alone, and repeated. 15000x13000 RGB (195 MP) takes about 0.6 MB and a second.
    With `exif`, an eXIf chunk before the pixels."""
    channels = len(colour)
    sample_bytes = b"".join(value.to_bytes(depth // 8, "big") for value in colour)
    row = b"\x00" + sample_bytes * width  # filter type 0 (none), then the pixels
    per_block = max(1, min(height, (8 << 20) // len(row)))
    deflate = zlib.compressobj(9, wbits=-15)
    block = deflate.compress(row * per_block) + deflate.flush(zlib.Z_FULL_FLUSH)
    blocks, rest = divmod(height, per_block)
    tail = zlib.compressobj(9, wbits=-15)
    end = tail.compress(row * rest) + tail.flush()
    adler = 1
    for _ in range(blocks):
        adler = zlib.adler32(row * per_block, adler)
    adler = zlib.adler32(row * rest, adler)
    stream = b"\x78\xda" + block * blocks + end + struct.pack(">I", adler)
    header = struct.pack(">IIBBBBB", width, height, depth, PNG_COLOUR_TYPES[channels], 0, 0, 0)
    tags = png_chunk(b"eXIf", exif.tobytes()[6:]) if exif is not None else b""  # no "Exif\0\0"
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + tags
        + png_chunk(b"IDAT", stream)
        + png_chunk(b"IEND", b"")
    )


def layered_tiff(path: Path, size: int, pixels: tuple[int, int] = (400, 300)) -> bytes:
    """An uncompressed TIFF of noise, then zeros up to `size` bytes, left as a hole on disk:
    a file that decodes small but is large, as a layered TIFF is beyond its first page. Any
    size costs only the first page's writing. Returns the TIFF alone (what comes before the
    zeros)."""
    width, height = pixels
    noise = np.random.default_rng(1).integers(0, 256, (height, width, 3), dtype=np.uint8)
    data = encoded(Image.fromarray(noise), "TIFF")
    path.write_bytes(data)
    os.truncate(path, size)
    return data


def heic(name: str) -> bytes:
    buffer = io.BytesIO()
    from_pillow(sample(name)).save(buffer, quality=80, enc_params={"preset": "ultrafast"})
    return buffer.getvalue()


def palette_with_transparency() -> bytes:
    """The cat in 64 colours, the first of them transparent (a tRNS chunk)."""
    return encoded(sample(CAT).quantize(64, dither=Image.Dither.NONE), "PNG", transparency=0)


INDEXED = [
    album_photo("photos/animals/chelsea-the-cat.jpg", CAT, "a tabby cat"),
    album_photo("photos/food/coffee-cup.jpg", COFFEE, "a cup of coffee on a saucer"),
    album_photo(
        "photos/people/astronaut.jpg", "astronaut.png", "an astronaut portrait with a flag"
    ),
    album_photo(
        "photos/people/cameraman.png",
        "camera.png",
        "grayscale man with a camera on a tripod (PNG, mode L)",
    ),
    album_photo("photos/nature/grass.jpg", "grass.png", "grass texture"),
    album_photo("photos/nature/gravel.jpg", "gravel.png", "gravel stones, grayscale"),
    album_photo("photos/places/moon.jpg", "moon.png", "grayscale moon surface"),
    album_photo(
        "photos/places/hubble-deep-field.jpg", "hubble_deep_field.jpg", "galaxies in deep space"
    ),
    album_photo("photos/things/rocket-launch.jpg", ROCKET, "a rocket on a launch pad"),
    album_photo(
        "photos/things/motorcycle.png",
        "motorcycle_left.png",
        "a motorcycle in a workshop (PNG, RGB)",
    ),
    album_photo("photos/things/coins.jpg", "coins.png", "old coins on a dark background"),
    album_photo("photos/things/brick-wall.jpg", "brick.png", "a brick wall"),
    album_photo(
        "photos/things/wall-clock.jpg", "clock_motion.png", "a wall clock blurred by camera motion"
    ),
    Entry(
        "edge/big-12mp.jpg",
        "retina photo cropped to 4:3, upscaled to 4000x3000 (12 MP) with sensor-like noise, "
        "quality 92",
        "index",
        "retina.jpg",
        big_12mp,
    ),
    Entry(
        "edge/exif-canon-paris-2017.jpg",
        "coffee with EXIF Make/Model, DateTimeOriginal 2017-07-15 16:42:10, GPS 48.8582N 2.2945E",
        "index; date, camera and GPS extracted",
        COFFEE,
        exif_paris,
    ),
    Entry(
        "edge/orientation-6.jpg",
        "cat stored sideways (300 wide x 451 high on disk) with EXIF Orientation=6: displays "
        "451x300 upright",
        "index; orientation applied before embedding and thumbnails",
        CAT,
        lambda: oriented(sample(CAT), 6, quality=90),
    ),
    Entry(
        "edge/rocket.heic",
        "rocket saved as HEIC",
        "index (needs pillow-heif)",
        ROCKET,
        lambda: heic(ROCKET),
    ),
    Entry("edge/cat.webp", "cat as WEBP", "index", CAT, lambda: encoded(sample(CAT), "WEBP")),
    Entry(
        "edge/grayscale.jpg",
        "coffee in grayscale JPEG (mode L)",
        "index",
        COFFEE,
        lambda: encoded(sample(COFFEE).convert("L"), "JPEG", quality=90),
    ),
    Entry(
        "edge/cmyk.jpg",
        "coffee as CMYK JPEG",
        "index; converted to RGB",
        COFFEE,
        lambda: encoded(sample(COFFEE).convert("CMYK"), "JPEG", quality=90),
    ),
    Entry(
        "edge/gray-16bit.png",
        "coffee as 16-bit grayscale PNG (mode I;16), full range",
        "index; converted to RGB",
        COFFEE,
        gray_16bit,
    ),
    Entry(
        "edge/alpha.png",
        "cat with an alpha gradient (RGBA)",
        "index; alpha flattened",
        CAT,
        alpha_gradient,
    ),
    Entry(
        "edge/animated.gif",
        "3-frame animated GIF panning across the rocket",
        "index first frame",
        ROCKET,
        animated,
    ),
    Entry(
        "edge/Mixed Case & spaces ü.JPG",
        "cat JPEG with upper-case extension, spaces, & and a non-ASCII name",
        "index",
        CAT,
        jpeg(CAT, quality=85),
    ),
    Entry(
        "edge/jpeg-named.png",
        "a valid JPEG (small coffee) whose name says .png",
        "index (content decides, not the extension)",
        COFFEE,
        small_coffee,
    ),
    Entry("bad/zero-bytes.jpg", "empty file", "skip; error recorded", "", bytes),
    Entry(
        "bad/truncated.jpg",
        "first 30% of a valid JPEG (edge/jpeg-named.png)",
        "skip without hanging; error recorded",
        "",
        lambda: small_coffee()[: len(small_coffee()) * 3 // 10],
    ),
    Entry(
        "bad/random-bytes.jpg",
        "4 KB of random bytes",
        "skip; error recorded",
        "",
        lambda: np.random.default_rng(1).bytes(4096),
    ),
    Entry(
        "bad/text-file.png",
        "a UTF-8 text file named .png",
        "skip; error recorded",
        "",
        lambda: "Not a picture: a note saved with the wrong name. Café ü\n".encode() * 4,
    ),
    Entry(
        "bad/decompression-bomb.png",
        "1-bit PNG claiming 40000x40000 = 1.6 gigapixels, small on disk",
        "skip; error recorded (too_large); memory must stay small",
        "",
        decompression_bomb,
    ),
    Entry(
        "bad/header-only.png",
        "PNG signature and IHDR only, no image data",
        "skip; error recorded",
        "",
        lambda: PNG_HEADER,
    ),
]
EXTRA = [
    Entry(
        "extra/upright.png",
        "the cat's head, 96x64: what every orientation-N.jpg displays as",
        "decode as it is",
        CAT,
        lambda: encoded(small_upright(), "PNG"),
    ),
    *(
        Entry(
            f"extra/orientation-{n}.jpg",
            f"extra/upright.png stored with EXIF Orientation={n}",
            "decode upright: 96x64, the pixels of extra/upright.png",
            CAT,
            lambda n=n: oriented(small_upright(), n, quality=95),
        )
        for n in STORED
    ),
    Entry(
        "extra/palette.png",
        "cat in 64 colours (PNG, mode P), colour 0 transparent",
        "decode; transparent colour flattened onto white",
        CAT,
        palette_with_transparency,
    ),
    Entry(
        "extra/coffee.tif",
        "coffee as an LZW-compressed RGB TIFF",
        "decode; pixels unchanged",
        COFFEE,
        lambda: encoded(sample(COFFEE), "TIFF", compression="tiff_lzw"),
    ),
]


def build(root: Path) -> Path:
    """Write photos/, edge/, bad/, extra/ and manifest.json into root (created if need be)."""
    manifest = []
    for item in [*INDEXED, *EXTRA]:
        data = item.make()
        path = root / item.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        manifest.append(item.manifest_entry(len(data)))
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return root


def album_jpegs() -> list[Image.Image]:
    """The pixels of the album photos stored as JPEG, in path order: for benchmarks that make
    their own files from real photos."""
    jpegs = [
        (i.path, i.source)
        for i in INDEXED
        if i.path.startswith("photos/") and i.path.endswith(".jpg")
    ]
    return [sample(source) for _, source in sorted(jpegs)]


def make_hostile_tree(target: Path, photo: Path) -> None:
    """Build under target, from copies of a valid JPEG, what git cannot store:

    loop/self -> .., loop/up -> ../..     symlink loops: the walk must terminate
    dangling.jpg -> missing.jpg           a broken symlink: error recorded
    link-to-photo.jpg -> real/a.jpg       a symlink to an indexed photo (same content twice)
    real/a.jpg, real/copy-of-a.jpg        duplicate content under two names: one photo identity
    locked/secret.jpg (dir chmod 000)     an unreadable directory (no effect when run as root)
    unreadable.jpg (chmod 000)            an unreadable file (no effect when run as root)
    b'caf\\xe9.jpg'                        a file name that is not valid UTF-8: indexed
    folder.jpg/inner.jpg                  a directory whose name looks like a photo
    .hidden/dot.jpg, .dot.jpg             hidden entries: skipped by default
    deep/d/d/.../deep.jpg (60 levels)     very deep nesting: indexed
    fifo.jpg                              a named pipe: reading it blocks forever, so it must
                                          be skipped by file type, never read
    """
    target.mkdir(parents=True, exist_ok=True)
    deep = Path("deep", *["d"] * 60)
    for folder in ("real", "loop", "locked", "folder.jpg", ".hidden", deep):
        (target / folder).mkdir(parents=True, exist_ok=True)
    copies = [
        "real/a.jpg", "real/copy-of-a.jpg", "locked/secret.jpg", "unreadable.jpg",
        "folder.jpg/inner.jpg", ".hidden/dot.jpg", ".dot.jpg", deep / "deep.jpg",
    ]  # fmt: skip
    for name in copies:
        shutil.copy(photo, target / name)
    shutil.copy(photo, os.path.join(os.fsencode(target), b"caf\xe9.jpg"))
    links = {"loop/self": "..", "loop/up": "../..", "dangling.jpg": "missing.jpg",
             "link-to-photo.jpg": "real/a.jpg"}  # fmt: skip
    for name, destination in links.items():
        if not os.path.lexists(target / name):
            os.symlink(destination, target / name)
    if not os.path.lexists(target / "fifo.jpg"):
        os.mkfifo(target / "fifo.jpg")
    os.chmod(target / "unreadable.jpg", 0)
    os.chmod(target / "locked", 0)
