"""The build step pyproject.toml cannot say: the web pages' translations (web/translations/*.po)
compiled into the .mo files that Flask-Babel reads, with Babel, by every build (`pip install .`,
a wheel) and by `pip install -e .` (in place, beside the .po files, which git ignores)."""

from pathlib import Path
from string import Formatter

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

TRANSLATIONS = Path("photosearch", "web", "translations")


class build_py_with_translations(build_py):  # noqa: N801 - setuptools' own command's name
    def run(self):
        super().run()
        for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po")):
            into = po if self.editable_mode else Path(self.build_lib, po)
            compile_catalog(po, into.with_suffix(".mo"))

    def get_outputs(self, include_bytecode=True):
        return super().get_outputs(include_bytecode) + [
            str(Path(self.build_lib, po.with_suffix(".mo")))
            for po in TRANSLATIONS.glob("*/LC_MESSAGES/*.po")
        ]


def compile_catalog(po: Path, mo: Path) -> None:
    """One catalog, refused when a translation is fuzzy or breaks its placeholders."""
    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parts[-3])
    errors = [
        f"{po}: {message.id!r}: {error}" for message, errs in catalog.check() for error in errs
    ]
    errors += [
        f"{po}: {message.id!r} is marked fuzzy"
        for message in catalog
        if message.fuzzy and message.id
    ]
    errors += [
        f"{po}: {msg.id!r}: its translation names other {{placeholders}}"
        for msg in catalog
        if msg.id and msg.string and _fields(msg.string) != _fields(msg.id)
    ]
    if errors:
        raise SystemExit("\n".join(errors))
    mo.parent.mkdir(parents=True, exist_ok=True)
    with mo.open("wb") as target:
        write_mo(target, catalog)


def _fields(text: str | tuple[str, ...]) -> set[str]:
    """The {names} a message fills in (str.format's), over all its plural forms."""
    texts = text if isinstance(text, tuple) else (text,)
    return {name for each in texts for _, name, _, _ in Formatter().parse(each) if name}


if __name__ == "__main__":  # as setuptools runs it; a test imports compile_catalog alone
    setup(cmdclass={"build_py": build_py_with_translations})
