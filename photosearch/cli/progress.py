"""What long commands print as they go: progress bars on a terminal, a line per update."""

from __future__ import annotations

from datetime import datetime

import click

from ..progress import Progress, time_left

# tqdm's bar with the note (its postfix) where tqdm shows its own estimate of the time left
NOTED = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}, {rate_fmt}{postfix}]"


class TqdmProgress(Progress):
    """Progress as a tqdm bar (imported when a bar starts: the light commands never do)."""

    def __init__(self, unit: str = "photo"):
        self.unit = unit

    def start(self, total: int, label: str = "") -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=label or None, unit=self.unit, dynamic_ncols=True)

    def advance(self, count: int = 1) -> None:
        self.bar.update(count)

    def note(self, text: str) -> None:
        """The note in place of tqdm's own estimate of the time left (one estimate a line)."""
        self.bar.bar_format = NOTED
        self.bar.set_postfix_str(text)

    def close(self) -> None:
        self.bar.close()


def print_update(summary) -> None:
    """One line for an index run of a watch (or of `serve --watch`), stamped."""
    stamp = datetime.now().strftime("%H:%M:%S")
    click.echo(
        f"{stamp} new {summary.new}, changed {summary.changed}, moved {summary.moved}, "
        f"deleted {summary.deleted}, failed {summary.failed}, embedded {summary.embedded}"
        + (
            f", {summary.faces_joined} faces joined people ({summary.new_people} new)"
            if summary.faces_joined
            else ""
        )
    )


def other_models_line(photos: int, face_model: str) -> str:
    """What to do about the faces another face model found (`index` and `status` say it)."""
    return (
        f"{photos:,} photos have the faces of another face model (search by person uses them); "
        f"to look again with {face_model}, keeping people and their names: "
        "photosearch index --reread-faces FOLDERS"
    )


def say_searchable(moment) -> None:
    """When an index run's photos can all be searched and its passes have yet to read them:
    that they can, what each pass does next and how long it takes at its rate so far, and
    that stopping it loses nothing (a run with nothing left to read says nothing)."""
    if not moment.plan.jobs:
        return
    click.echo(
        f"All {moment.photos:,} photos can be searched now (photosearch search, or in the "
        "browser with photosearch serve), while this run goes on."
    )
    for content_pass in moment.plan.passes:
        left = moment.plan.to_read(content_pass)
        rate = moment.summary.passes[content_pass.name].per_second
        click.echo(
            f"Next, the {content_pass.name} pass {content_pass.purpose}: {left:,} to go "
            f"({time_left(left, rate)})."
        )
    click.echo("Ctrl-C stops the run and keeps what is done; the next index goes on from there.")
