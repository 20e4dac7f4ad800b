"""How long-running core work reports progress. The CLI shows a bar; everyone else ignores it."""


class Progress:
    def start(self, total: int, label: str = "") -> None: ...

    def advance(self, count: int = 1) -> None: ...

    def note(self, text: str) -> None:
        """Words that the bar shows after its counts, replacing the last ones."""

    def close(self) -> None: ...


def time_left(left: int, rate: float) -> str:
    """How long `left` more will take at `rate` a second, in words; before there is a rate
    (nothing done yet), that it is being measured."""
    if left <= 0:
        return "done"
    if rate <= 0:
        return "time left: measuring"
    seconds = round(left / rate)
    if seconds < 60:
        return "under a minute left"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"about {hours} h {minutes} min left" if hours else f"about {minutes} min left"
