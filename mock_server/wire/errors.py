"""The API's error codes: one exception class per documented reason, carrying its HTTP status."""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "ApiError",
    "ApiNotFound",
    "ControlForbidden",
    "ControlRequestInvalid",
    "CreateTaskFailed",
    "GetResultFailed",
    "InternalError",
    "InvalidApiKey",
    "InvalidRequestBody",
    "MethodNotAllowed",
    "MissingApiKey",
    "RangeNotSatisfiable",
    "RateLimitExceeded",
    "RequestTooLarge",
    "ServiceNotAvailable",
    "TaskNotFound",
    "VideoExpired",
    "VideoNotFound",
]


class ApiError(Exception):
    """An error the fake answers with the documented envelope."""

    status: ClassVar[int] = 500
    reason: ClassVar[str] = "INTERNAL_ERROR"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status if status is not None else self.status

    def envelope(self) -> dict[str, Any]:
        """Return the `{code, reason, message, metadata}` body."""
        return {
            "code": self.status_code,
            "reason": self.reason,
            "message": self.message,
            "metadata": {},
        }


class InvalidRequestBody(ApiError):
    status = 400
    reason = "INVALID_REQUEST_BODY"


class MissingApiKey(ApiError):
    status = 400
    reason = "MISSING_API_KEY"


class InvalidApiKey(ApiError):
    status = 403
    reason = "INVALID_API_KEY"


class TaskNotFound(ApiError):
    status = 404
    reason = "TASK_NOT_FOUND"


class ApiNotFound(ApiError):
    status = 404
    reason = "API_NOT_FOUND"


class MethodNotAllowed(ApiError):
    status = 405
    reason = "METHOD_NOT_ALLOWED"


class RequestTooLarge(ApiError):
    status = 413
    reason = "REQUEST_BODY_TOO_LARGE"


class RateLimitExceeded(ApiError):
    status = 429
    reason = "RATE_LIMIT_EXCEEDED"


class CreateTaskFailed(ApiError):
    status = 500
    reason = "CREATE_TASK_FAILED"


class GetResultFailed(ApiError):
    status = 500
    reason = "GET_RESULT_FAILED"


class InternalError(ApiError):
    status = 500
    reason = "INTERNAL_ERROR"


class ServiceNotAvailable(ApiError):
    status = 503
    reason = "SERVICE_NOT_AVAILABLE"


class VideoExpired(ApiError):
    """A presigned video URL past its lifetime."""

    status = 403
    reason = "URL_EXPIRED"


class VideoNotFound(ApiError):
    status = 404
    reason = "VIDEO_NOT_FOUND"


class RangeNotSatisfiable(ApiError):
    status = 416
    reason = "RANGE_NOT_SATISFIABLE"


class ControlForbidden(ApiError):
    """The test-control API refused a caller."""

    status = 403
    reason = "CONTROL_FORBIDDEN"


class ControlRequestInvalid(ApiError):
    status = 400
    reason = "INVALID_CONTROL_REQUEST"
