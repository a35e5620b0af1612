"""Typed settings, read from the environment in one place (and nowhere else)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.directory import SAMPLE as SAMPLE_DIRECTORY
from bot.flows.library import BUNDLED as BUNDLED_FLOWS
from bot.i18n.texts import DEFAULT_LOCALES


@dataclass(frozen=True)
class Settings:
    flows: tuple[Path, ...]
    locales: Path
    directory: Path
    default_language: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        flows = env.get("INTAKE_FLOWS")
        return cls(
            flows=tuple(Path(p) for p in flows.split(os.pathsep) if p) if flows
            else (BUNDLED_FLOWS,),
            locales=Path(env.get("INTAKE_LOCALES", str(DEFAULT_LOCALES))),
            directory=Path(env.get("INTAKE_DIRECTORY", str(SAMPLE_DIRECTORY))),
            default_language=env.get("INTAKE_DEFAULT_LANGUAGE", "en"),
        )
