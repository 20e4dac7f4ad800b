"""Positions as 3-D points on the unit sphere, so that straight-line (chord) neighbours in a
KD-tree are great-circle neighbours everywhere, across the antimeridian and at the poles."""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)


def unit_vectors(latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    """An (n, 3) array of the points at these degrees."""
    lat = np.radians(latitudes)
    lon = np.radians(longitudes)
    cos_lat = np.cos(lat)
    return np.column_stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)])


def chord(km: float) -> float:
    """The straight-line distance between two unit-sphere points this far apart on the Earth."""
    return 2.0 * float(np.sin(km / EARTH_RADIUS_KM / 2.0))


def great_circle_km(chords: np.ndarray) -> np.ndarray:
    """Chord lengths back to kilometres along the surface."""
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chords) / 2.0, 0.0, 1.0))


def surrounded(point: np.ndarray, neighbours: np.ndarray) -> bool:
    """Whether the neighbours lie on all sides of the point: no gap of half a turn or more in
    their bearings, i.e. the point is inside their hull rather than off its edge."""
    helper = np.array([0.0, 0.0, 1.0]) if abs(point[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    east = np.cross(point, helper)
    east /= np.linalg.norm(east)
    north = np.cross(point, east)
    bearings = np.sort(np.arctan2(neighbours @ north, neighbours @ east))
    gaps = np.diff(np.append(bearings, bearings[0] + 2.0 * np.pi))
    return bool(gaps.max() < np.pi)
