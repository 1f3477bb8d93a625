"""Prompt files with a small front matter naming their id and version, shipped beside the pipeline that uses them:
`<package>/prompts/<name>.md` (package data, so an installed wheel carries them too)."""

from __future__ import annotations

from importlib.resources import files

import yaml

from services.reasoning.llm import Prompt


def load_prompt(package: str, name: str) -> Prompt:
    """`load_prompt(__name__, "<name>.v1")` in a pipeline's package reads that package's `prompts/<name>.v1.md`."""
    text = (files(package) / "prompts" / f"{name}.md").read_text()
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    return Prompt(prompt_id=str(meta["prompt_id"]), version=str(meta["version"]), system=body.strip())
