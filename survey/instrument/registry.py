"""Where instrument files live, and finding a version by ``ID@VERSION``.

The instruments directory is, in order: ``$LANDSCAPE_INSTRUMENTS_DIR``; the
repository's ``instruments/`` beside the package (a source checkout or editable
install); the copy bundled inside an installed wheel (``survey/_instruments``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from survey.errors import LandscapeError, Location
from survey.instrument.loader import load_instrument
from survey.instrument.model import InstrumentVersion, Version

__all__ = ["Catalogue", "instruments_dir", "parse_ref"]

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def instruments_dir() -> Path:
    """The directory holding ``<instrument>/<version>.yaml`` files."""
    env = os.environ.get("LANDSCAPE_INSTRUMENTS_DIR")
    if env:
        return Path(env)
    checkout = _PACKAGE_DIR.parent / "instruments"
    if checkout.is_dir():
        return checkout
    return _PACKAGE_DIR / "_instruments"


def parse_ref(ref: str) -> tuple[str, Version | None]:
    """Split ``local_government@1.0.0`` into id and version (None for the latest)."""
    name, _, ver = ref.partition("@")
    if not name:
        raise LandscapeError.of("I110", f"'{ref}' names no instrument")
    if not ver or ver == "latest":
        return name, None
    try:
        return name, Version.parse(ver)
    except ValueError:
        raise LandscapeError.of("I107", f"'{ref}': '{ver}' is not MAJOR.MINOR.PATCH") from None


@dataclass(frozen=True)
class Catalogue:
    """The instrument files in one directory."""

    root: Path

    @classmethod
    def default(cls) -> Catalogue:
        return cls(instruments_dir())

    def files(self) -> list[Path]:
        """Every ``<instrument>/<version>.yaml``, sorted by instrument then version."""
        found: list[tuple[str, Version, Path]] = []
        if not self.root.is_dir():
            return []
        for path in self.root.glob("*/*.yaml"):
            try:
                found.append((path.parent.name, Version.parse(path.stem), path))
            except ValueError:
                continue  # not a version file (e.g. a codebook)
        return [p for _, _, p in sorted(found)]

    def refs(self) -> dict[str, list[Version]]:
        """Instrument id -> its versions, oldest first."""
        out: dict[str, list[Version]] = {}
        for path in self.files():
            out.setdefault(path.parent.name, []).append(Version.parse(path.stem))
        return out

    def path_of(self, ref: str) -> Path:
        name, version = parse_ref(ref)
        versions = self.refs().get(name)
        if not versions:
            known = ", ".join(sorted(self.refs())) or "none"
            raise LandscapeError.of(
                "I110", f"no instrument '{name}' in {self.root} (known: {known})"
            )
        if version is None:
            version = versions[-1]
        if version not in versions:
            known = ", ".join(str(v) for v in versions)
            raise LandscapeError.of(
                "I110", f"{name} has no version {version} (known: {known})",
                Location(file=str(self.root / name)),
            )
        return self.root / name / f"{version}.yaml"

    def load(self, ref: str) -> InstrumentVersion:
        """Load ``ID@VERSION`` (or ``ID`` for the latest version)."""
        return load_instrument(self.path_of(ref))

    def load_all(self) -> list[InstrumentVersion]:
        return [load_instrument(p) for p in self.files()]
