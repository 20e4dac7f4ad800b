"""A moment in a video as people read it: 00:03:12 (hours always shown, as players do for the
long videos a library holds, so a column of moments lines up)."""


def clock(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
