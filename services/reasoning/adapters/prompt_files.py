"""Prompt files with a small front matter naming their id and version."""

from __future__ import annotations

from pathlib import Path

import yaml

from services.reasoning.domain import Prompt

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> Prompt:
    text = (directory / f"{name}.md").read_text()
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    return Prompt(prompt_id=str(meta["prompt_id"]), version=str(meta["version"]), system=body.strip())
