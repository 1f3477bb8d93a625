from __future__ import annotations

from dataclasses import dataclass

from shared.kernel import Kernel


@dataclass
class ValidationDeps:
    kernel: Kernel
    max_document_bytes: int = 512_000


def build_deps(kernel: Kernel, max_document_bytes: int = 512_000) -> ValidationDeps:
    return ValidationDeps(kernel, max_document_bytes)
