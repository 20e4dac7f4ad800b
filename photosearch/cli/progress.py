"""What long commands print as they go: progress bars on a terminal, a line per update."""

from __future__ import annotations

from datetime import datetime

import click

from ..progress import Progress


class TqdmProgress(Progress):
    """Progress as a tqdm bar (imported when a bar starts: the light commands never do)."""

    def __init__(self, unit: str = "photo"):
        self.unit = unit

    def start(self, total: int, label: str = "") -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=label or None, unit=self.unit, dynamic_ncols=True)

    def advance(self, count: int = 1) -> None:
        self.bar.update(count)

    def close(self) -> None:
        self.bar.close()


def print_update(summary) -> None:
    """One line for an index run of a watch (or of `serve --watch`), stamped."""
    stamp = datetime.now().strftime("%H:%M:%S")
    click.echo(
        f"{stamp} new {summary.new}, changed {summary.changed}, moved {summary.moved}, "
        f"deleted {summary.deleted}, failed {summary.failed}, embedded {summary.embedded}"
    )
