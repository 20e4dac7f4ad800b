"""The options every command shares: the settings (unset ones fall back to the environment,
the config file and the defaults), and the library they open for the command."""

from __future__ import annotations

import contextlib
import functools
import logging
from pathlib import Path

import click

from ..config import FACE_MODELS, PRECISIONS, RUNTIMES, Config

SETTING_OPTIONS = {
    "data_dir": click.option(
        "--data-dir", type=click.Path(path_type=Path), help="Where the index lives."
    ),
    "model": click.option("--model", help="Preset (see: models), ARCH:TAG or ARCH:/file."),
    "device": click.option(
        "--device", type=click.Choice(["auto", "cpu", "cuda"]), help="Where to run."
    ),
    "runtime": click.option(
        "--runtime",
        type=click.Choice(RUNTIMES),
        help="How the model runs: auto (fastest measured here), torch or onnx.",
    ),
    "precision": click.option(
        "--precision",
        type=click.Choice(PRECISIONS),
        help="auto, fp32, bf16, fp16 (CUDA) or int8 (onnx; opt-in, its cosine is shown).",
    ),
    "batch_size": click.option(
        "--batch-size", type=click.IntRange(min=1), help="Images per model call."
    ),
    "offline": click.option(
        "--offline", is_flag=True, default=None, help="Never download weights."
    ),
    "face_model": click.option(
        "--face-model", type=click.Choice(FACE_MODELS), help="Finds faces: dlib or buffalo_l."
    ),
}


def pass_options(command):
    """Each content pass's on/off flag (--SETTING/--no-SETTING), as the pass words it."""
    from ..indexing import passes

    settings = [p for p in reversed(passes.registered()) if p.setting]
    for content_pass in settings:
        flag = content_pass.setting.replace("_", "-")
        command = click.option(
            f"--{flag}/--no-{flag}", default=None, help=content_pass.setting_help
        )(command)
    command.pass_settings = [p.setting for p in settings]  # for common_options to read
    return command


def reread_options(command):
    """--reread-NAME for each content pass: read again what an older version of it read."""
    from ..indexing import passes

    for content_pass in reversed(passes.registered()):
        name = content_pass.name
        option = click.option(
            f"--reread-{name}", f"reread_{name}", is_flag=True, help=content_pass.reread_help
        )
        command = option(command)
    return command


RAY_OPTION = click.option(
    "--ray",
    "ray_address",
    metavar="ADDRESS",
    help="Read and embed on a Ray cluster: auto, local or ray://HOST:10001.",
)


def common_options(skip: tuple[str, ...] = (), library: bool = True):
    """Settings every command accepts (but those in skip); unset flags fall back to the
    environment, the config file and the defaults. The command receives a PhotoLibrary, or
    with library=False the Config (to open the library only when it must: `search`)."""

    def decorate(command):
        for name, option in reversed(SETTING_OPTIONS.items()):
            if name not in skip:
                command = option(command)
        command = click.option("-v", "--verbose", is_flag=True, help="Log what happens.")(command)

        @functools.wraps(command)
        def wrapper(verbose, **kwargs):
            logging.basicConfig(
                level=logging.INFO if verbose else logging.WARNING,
                format="%(levelname)s %(name)s: %(message)s",
            )
            settings = {
                name: kwargs.pop(name, None) for name in SETTING_OPTIONS if name not in skip
            }
            config = Config.load(
                **settings,
                exclude=kwargs.pop("exclude", None) or None,  # no --exclude: keep env/file value
                include_hidden=kwargs.pop("include_hidden", None),
                ray_address=kwargs.pop("ray_address", None),
                **{name: kwargs.pop(name) for name in getattr(wrapper, "pass_settings", ())},
            )
            if not library:
                return command(config, **kwargs)
            with opened(config) as opened_library:
                return command(opened_library, **kwargs)

        return wrapper

    return decorate


@contextlib.contextmanager
def opened(config: Config):
    """The library of these settings, closed after the block."""
    from ..library import PhotoLibrary

    library = PhotoLibrary.open(config)
    try:
        yield library
    finally:
        library.close()
