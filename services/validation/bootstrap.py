from __future__ import annotations

from dataclasses import dataclass

from shared.kernel import Kernel


@dataclass
class ValidationDeps:
    kernel: Kernel


def build_deps(kernel: Kernel) -> ValidationDeps:
    return ValidationDeps(kernel)
