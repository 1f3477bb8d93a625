"""Picks the approval service's adapters and loads each tenant's policy once at start-up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from slack_sdk.signature import SignatureVerifier

from contracts.pipeline import PipelineSpec
from services.approval import pipelines
from services.approval.adapters.hubspot_notes import HubSpotCrmNotes
from services.approval.adapters.links import LinkSigner
from services.approval.adapters.redis_store import RedisApprovalStore
from services.approval.adapters.slack_responder import SlackResponder
from services.approval.adapters.smtp_mailer import SmtpMailer
from services.approval.domain import LoadedPolicy, parse_policy
from services.approval.executor import ActionExecutor
from services.approval.flow import ApprovalFlow
from services.approval.ports import ApprovalStore, CrmNotes, Mailer
from services.approval.settings import ApprovalSettings
from shared.errors import PolicyRefused
from shared.idempotency import RedisIdempotencyStore
from shared.kernel import Kernel
from shared.parts import PipelineParts


class PolicyBook:
    def __init__(self, policies: dict[str, LoadedPolicy]) -> None:
        self._policies = policies

    @classmethod
    def load(cls, directory: Path) -> PolicyBook:
        return cls({p.parent.name: parse_policy(p.read_text()) for p in sorted(directory.glob("*/policy.yaml"))})

    def for_tenant(self, tenant: str) -> LoadedPolicy:
        try:
            return self._policies[tenant]
        except KeyError:
            raise PolicyRefused(f"no policy on file for tenant {tenant!r}") from None


async def _index_intact() -> object:
    return 0


@dataclass
class ApprovalDeps:
    kernel: Kernel
    settings: ApprovalSettings
    policies: PolicyBook
    store: ApprovalStore
    links: LinkSigner
    done: RedisIdempotencyStore
    mailer: Mailer
    crm: CrmNotes
    flows: dict[str, ApprovalFlow] = field(default_factory=dict)
    """Each pipeline's flow, by pipeline name, once `build_parts` has loaded them."""
    ensure_index: Callable[[], Awaitable[object]] = _index_intact
    slack_verifier: SignatureVerifier | None = None
    slack: SlackResponder | None = None

    def flow(self, pipeline: str) -> ApprovalFlow:
        try:
            return self.flows[pipeline]
        except KeyError:
            raise PolicyRefused(f"the approval service does not run pipeline {pipeline!r}") from None

    def executor(self, pipeline: str) -> ActionExecutor:
        """Runs the pipeline's planned actions through the ports its flow names, each once per key."""
        flow = self.flow(pipeline)
        return ActionExecutor(flow.perform, self.done, flow.retry_safe)


def build_deps(
    kernel: Kernel,
    settings: ApprovalSettings,
    mailer: Mailer | None = None,
    crm: CrmNotes | None = None,
    store: ApprovalStore | None = None,
) -> ApprovalDeps:
    redis = kernel.redis()
    if mailer is None:
        mailer = SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_username,
            settings.smtp_password.get_secret_value(),
            settings.smtp_sender,
            use_tls=settings.smtp_use_tls,
            timeout_s=settings.smtp_timeout_s,
        )
    if crm is None:
        client = httpx.AsyncClient(
            base_url=settings.crm_base_url,
            headers={"Authorization": f"Bearer {settings.crm_token.get_secret_value()}"},
            timeout=settings.http_timeout_s,
        )
        crm = HubSpotCrmNotes(client)
    return ApprovalDeps(
        kernel=kernel,
        settings=settings,
        policies=PolicyBook.load(settings.policy_dir),
        store=store or RedisApprovalStore(redis),
        links=LinkSigner(settings.link_secret.get_secret_value(), settings.public_url),
        done=RedisIdempotencyStore(redis, "actions"),
        mailer=mailer,
        crm=crm,
        slack_verifier=SignatureVerifier(secret) if (secret := _secret(settings.slack_signing_secret)) else None,
        slack=SlackResponder(httpx.AsyncClient(timeout=settings.http_timeout_s), settings.slack_response_url_prefix),
    )


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value().strip() if value is not None else ""


def build_parts(
    deps: ApprovalDeps, specs: Collection[PipelineSpec], ports: Mapping[str, Any] | None = None
) -> PipelineParts[ApprovalDeps]:
    """Each pipeline's flow (tests may hand their own by pipeline name), also kept on `deps.flows`."""
    parts = PipelineParts.load(pipelines.__name__, specs, deps, ports)
    deps.flows = {spec.name: flow for spec, flow in parts.ports.items()}
    return parts
