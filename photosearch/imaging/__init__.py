"""Bytes to pixels: decoding every format a photo folder holds (RAW and GPU JPEG included),
the EXIF facts, and the thumbnails."""
