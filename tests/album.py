"""An album of the suite's real photos given GPS positions and dates (EXIF written here), for
tests of places and dates: each photo's place and day are known, so a query's answer is too."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PIL import Image

# name: (source photo below the test tree, latitude, longitude, taken)
ALBUM = {
    "lisbon-cat.jpg": ("photos/animals/chelsea-the-cat.jpg", 38.7223, -9.1393, "2017-07-10"),
    "lisbon-coffee.jpg": ("photos/food/coffee-cup.jpg", 38.7169, -9.1399, "2019-03-05"),
    "porto-grass.jpg": ("photos/nature/grass.jpg", 41.1579, -8.6291, "2017-06-15"),
    "paris-rocket.jpg": ("photos/things/rocket-launch.jpg", 48.8566, 2.3522, "2017-08-01"),
    "sydney-astronaut.jpg": ("photos/people/astronaut.jpg", -33.8688, 151.2093, "2017-01-15"),
    "at-sea-moon.jpg": ("photos/places/moon.jpg", 30.0, -40.0, "2017-07-01"),
    "no-gps-coins.jpg": ("photos/things/coins.jpg", None, None, "2017-07-20"),
    "undated-wall.jpg": ("photos/things/brick-wall.jpg", 38.7223, -9.1393, None),
}


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round(((value - degrees) * 60 - minutes) * 60, 4)


def write_album(tree: Path, target: Path) -> Path:
    """The album's photos as JPEGs with their EXIF date and GPS position."""
    target.mkdir(parents=True, exist_ok=True)
    for name, (source, latitude, longitude, taken) in ALBUM.items():
        image = Image.open(tree / source).convert("RGB")
        exif = Image.Exif()
        exif[0x010F], exif[0x0110] = "Canon", "Canon EOS 80D"
        if taken:
            stamp = datetime.fromisoformat(taken).strftime("%Y:%m:%d 12:00:00")
            exif.get_ifd(0x8769)[0x9003] = stamp  # DateTimeOriginal
        if latitude is not None:
            exif.get_ifd(0x8825).update(
                {
                    1: "N" if latitude >= 0 else "S",
                    2: _dms(latitude),
                    3: "E" if longitude >= 0 else "W",
                    4: _dms(longitude),
                }
            )
        image.save(target / name, "JPEG", quality=90, exif=exif)
    return target
