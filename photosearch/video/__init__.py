"""Reading videos: what a video file is (`probe`: duration, upright size, codec, date, place,
camera) and the frames of it worth embedding (`sample`). A foundation like `imaging`: it knows
nothing of the index, the store or search, which read videos through it."""

from photosearch.imaging.formats import VIDEO_EXTENSIONS, is_video_path
from photosearch.video.opening import VideoError
from photosearch.video.probe import VideoInfo, probe
from photosearch.video.sampling import Frame, Sampling, sample

__all__ = [
    "VIDEO_EXTENSIONS",
    "Frame",
    "Sampling",
    "VideoError",
    "VideoInfo",
    "is_video_path",
    "probe",
    "sample",
]
