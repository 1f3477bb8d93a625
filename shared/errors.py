"""The one error tree. Handlers raise; the dead-letter middleware decides by class.

AppError
 +-- RetryableError          timeouts, 429, 5xx, broker hiccups: retried with backoff, then dead-lettered
 |    +-- UpstreamUnavailable
 |    +-- RateLimited
 +-- PermanentError          never retried: straight to the pipeline's dead-letter topic
      +-- ContractInvalid    a payload missing or breaking a field
      +-- PolicyRefused      policy says no (never-automated action, wrong approver)
      +-- DraftRefused       LLM output invalid or not grounded in the facts
      +-- UpstreamRejected   an outside system refused the request (4xx other than 429)
"""

from __future__ import annotations


class AppError(Exception):
    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RetryableError(AppError):
    retryable = True


class UpstreamUnavailable(RetryableError):
    """An outside system timed out or answered 5xx."""


class RateLimited(RetryableError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(AppError):
    retryable = False


class ContractInvalid(PermanentError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class PolicyRefused(PermanentError):
    """Policy forbids the action, whoever asks."""


class DraftRefused(PermanentError):
    """The drafted text is invalid or names a figure that is not among the facts."""


class UpstreamRejected(PermanentError):
    """An outside system refused the request for a reason a retry will not fix."""


class OutcomeUnknown(PermanentError):
    """A side effect's request was delivered (an email's DATA sent) but its answer never came back."""
