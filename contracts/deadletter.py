"""Headers a dead letter carries beside the original bytes and the original headers."""

from __future__ import annotations

from typing import Final

ERROR_TYPE: Final = "x-dl-error-type"
ERROR_MESSAGE: Final = "x-dl-error-message"
ERROR_FIELD: Final = "x-dl-error-field"
SOURCE_TOPIC: Final = "x-dl-source-topic"
SOURCE_PARTITION: Final = "x-dl-source-partition"
SOURCE_OFFSET: Final = "x-dl-source-offset"
ATTEMPTS: Final = "x-dl-attempts"
SERVICE: Final = "x-dl-service"
CORRELATION_ID: Final = "x-dl-correlation-id"
FAILED_AT: Final = "x-dl-failed-at"
REPLAY_COUNT: Final = "x-replay-count"

# Headers every published message carries.
MSG_CORRELATION_ID: Final = "correlation_id"
MSG_EVENT_TYPE: Final = "event_type"
