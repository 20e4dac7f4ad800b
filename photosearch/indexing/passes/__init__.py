"""The content passes an index run runs, in the order they were registered: the text pass, the
faces pass, and any other registered (content_pass.ContentPass). Each is a package of its own
below this one, and none imports another."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .faces import FacesPass
from .text import TextPass

if TYPE_CHECKING:
    from ...config import Config
    from ..content_pass import ContentPass

_registered: dict[str, ContentPass] = {}


def register(content_pass: ContentPass) -> None:
    """Run this pass in every index run where it is enabled (one of the same name is replaced)."""
    _registered[content_pass.name] = content_pass


def unregister(name: str) -> None:
    _registered.pop(name, None)


def registered() -> list[ContentPass]:
    return list(_registered.values())


def enabled(config: Config) -> list[ContentPass]:
    return [content_pass for content_pass in _registered.values() if content_pass.enabled(config)]


def named(name: str) -> ContentPass:
    return _registered[name]


register(TextPass())
register(FacesPass())
