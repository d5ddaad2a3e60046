"""Error classification, severity and captured error contexts.

:class:`ErrorContextManager` turns an exception into an :class:`ErrorContext`
(category, severity, stack, correlation id) and counts recurring patterns
``"<category>:<exception type>:<operation>"`` so that repeated failures of one
operation stand out.
"""

from __future__ import annotations

import enum
import logging
import threading
import traceback
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lukhas.services.reliability._clock import Clock, SystemClock, utc_datetime

__all__ = ["ErrorCategory", "ErrorContext", "ErrorContextManager", "ErrorSeverity"]

logger = logging.getLogger(__name__)


class ErrorCategory(enum.Enum):
    """What kind of failure an exception represents."""

    SYSTEM = "system"
    NETWORK = "network"
    AUTHENTICATION = "authentication"
    AUTHORIZATION = "authorization"
    VALIDATION = "validation"
    RESOURCE = "resource"
    EXTERNAL = "external"
    UNKNOWN = "unknown"


class ErrorSeverity(enum.Enum):
    """How urgently a failure needs attention."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


# Keyword rules, checked in this order; the first category with a hit wins.
# Each rule: (category, words searched in the lowercase class name,
#             words searched in the lowercase message).
_RULES: tuple[tuple[ErrorCategory, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ErrorCategory.NETWORK,
        ("connection", "timeout", "network", "socket", "dns", "http"),
        ("connection refused", "connection reset", "timed out", "timeout", "unreachable",
         "network", "dns", "socket"),
    ),
    (
        ErrorCategory.AUTHENTICATION,
        ("authentication", "credential", "unauthenticated", "login"),
        ("authentication", "unauthenticated", "credential", "login", "password",
         "invalid token", "expired token", "unauthorized"),
    ),
    (
        ErrorCategory.AUTHORIZATION,
        ("permission", "access", "forbidden", "authorization"),
        ("permission", "access", "forbidden", "not allowed", "authorization"),
    ),
    (
        ErrorCategory.VALIDATION,
        ("value", "type", "validation", "attribute", "key", "index", "schema"),
        ("invalid", "format", "malformed", "must be", "required", "expected"),
    ),
    (
        ErrorCategory.RESOURCE,
        ("memory", "resource", "quota", "disk", "overflow", "file"),
        ("memory", "resource", "quota", "disk", "no space", "exhausted", "limit",
         "too many"),
    ),
    (
        ErrorCategory.EXTERNAL,
        ("external", "upstream", "api", "service", "provider"),
        ("external", "upstream", "service unavailable", "bad gateway", "provider",
         "third-party", "third party"),
    ),
    (
        ErrorCategory.SYSTEM,
        ("system", "oserror", "runtime", "environment", "recursion"),
        ("system", "runtime", "kernel", "fatal"),
    ),
)

_CRITICAL_WORDS = ("critical", "fatal", "system failure")
_SEVERITY_BY_CATEGORY = {
    ErrorCategory.SYSTEM: ErrorSeverity.CRITICAL,
    ErrorCategory.AUTHENTICATION: ErrorSeverity.HIGH,
    ErrorCategory.AUTHORIZATION: ErrorSeverity.HIGH,
    ErrorCategory.NETWORK: ErrorSeverity.MEDIUM,
    ErrorCategory.EXTERNAL: ErrorSeverity.MEDIUM,
    ErrorCategory.RESOURCE: ErrorSeverity.MEDIUM,
}


@dataclass(frozen=True)
class ErrorContext:
    """Everything known about one captured error.

    Attributes
    ----------
    error_id : str
        Unique id (hex UUID4).
    exception_type : str
        Class name of the exception.
    operation : str
        What was being done.
    category : ErrorCategory
    severity : ErrorSeverity
    message : str
        ``str(exc)``.
    stack_trace : list of str
        Formatted traceback lines (at least the exception line).
    correlation_id : str
        ``request_id``, else ``session_id``, else a fresh id: ties related errors together.
    timestamp : datetime
        Timezone-aware UTC capture time.
    user_id, session_id, request_id : str or None
    additional_context : dict
    """

    error_id: str
    exception_type: str
    operation: str
    category: ErrorCategory
    severity: ErrorSeverity
    message: str
    stack_trace: list[str]
    correlation_id: str
    timestamp: datetime
    user_id: str | None = None
    session_id: str | None = None
    request_id: str | None = None
    additional_context: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict (enums as values, timestamp as ISO 8601)."""
        return {
            "error_id": self.error_id,
            "exception_type": self.exception_type,
            "operation": self.operation,
            "category": self.category.value,
            "severity": self.severity.value,
            "message": self.message,
            "stack_trace": list(self.stack_trace),
            "correlation_id": self.correlation_id,
            "timestamp": self.timestamp.isoformat(),
            "user_id": self.user_id,
            "session_id": self.session_id,
            "request_id": self.request_id,
            "additional_context": dict(self.additional_context),
        }


class ErrorContextManager:
    """Classify, capture and count errors.

    Parameters
    ----------
    history_size : int, default=1000
        Captured contexts kept in :attr:`error_history`.
    clock : Clock or None, default=None
        Time source for timestamps.

    Attributes
    ----------
    error_history : collections.deque of ErrorContext
    error_patterns : dict of str to int
        Counts keyed ``"<category>:<exception type>:<operation>"``.

    Examples
    --------
    >>> manager = ErrorContextManager()
    >>> manager._classify_error(ConnectionError("Connection refused"))
    <ErrorCategory.NETWORK: 'network'>
    >>> try:
    ...     int("x")
    ... except ValueError as exc:
    ...     ctx = manager.capture_error(exc, "parse")
    >>> ctx.category, ctx.severity
    (<ErrorCategory.VALIDATION: 'validation'>, <ErrorSeverity.LOW: 'low'>)
    >>> manager.error_patterns
    {'validation:ValueError:parse': 1}
    """

    def __init__(self, history_size: int = 1000, *, clock: Clock | None = None) -> None:
        self._clock: Clock = clock if clock is not None else SystemClock()
        self.error_history: deque[ErrorContext] = deque(maxlen=history_size)
        self.error_patterns: dict[str, int] = {}
        self._lock = threading.Lock()

    def _classify_error(self, exc: BaseException) -> ErrorCategory:
        """Return the category of ``exc`` from keywords in its class name and message."""
        name = type(exc).__name__.lower()
        message = str(exc).lower()
        for category, name_words, message_words in _RULES:
            if any(w in name for w in name_words) or any(w in message for w in message_words):
                return category
        return ErrorCategory.UNKNOWN

    def _assess_severity(self, exc: BaseException, category: ErrorCategory) -> ErrorSeverity:
        """Return the severity of ``exc`` given its ``category``."""
        text = f"{type(exc).__name__} {exc}".lower()
        if any(word in text for word in _CRITICAL_WORDS):
            return ErrorSeverity.CRITICAL
        return _SEVERITY_BY_CATEGORY.get(category, ErrorSeverity.LOW)

    def capture_error(
        self,
        exc: BaseException,
        operation: str,
        additional_context: dict[str, Any] | None = None,
        user_id: str | None = None,
        session_id: str | None = None,
        request_id: str | None = None,
    ) -> ErrorContext:
        """Build, remember and return the context of ``exc``.

        Parameters
        ----------
        exc : BaseException
            The error (its traceback is used when it was raised).
        operation : str
            What was being done.
        additional_context : dict or None, default=None
            Free-form details kept with the context.
        user_id, session_id, request_id : str or None, default=None
            Identifiers for correlation.

        Returns
        -------
        context : ErrorContext
        """
        if not isinstance(exc, BaseException):
            raise TypeError(f"`exc` must be an exception, got {type(exc).__name__}.")
        category = self._classify_error(exc)
        severity = self._assess_severity(exc, category)
        stack = traceback.format_exception(type(exc), exc, exc.__traceback__)
        context = ErrorContext(
            error_id=uuid.uuid4().hex,
            exception_type=type(exc).__name__,
            operation=operation,
            category=category,
            severity=severity,
            message=str(exc),
            stack_trace=stack,
            correlation_id=request_id or session_id or uuid.uuid4().hex,
            timestamp=utc_datetime(self._clock),
            user_id=user_id,
            session_id=session_id,
            request_id=request_id,
            additional_context=dict(additional_context or {}),
        )
        key = f"{category.value}:{context.exception_type}:{operation}"
        with self._lock:
            self.error_history.append(context)
            self.error_patterns[key] = self.error_patterns.get(key, 0) + 1
        log = logger.error if severity in (ErrorSeverity.HIGH, ErrorSeverity.CRITICAL) else (
            logger.warning
        )
        log("%s error in %r [%s]: %s", category.value, operation, context.error_id, exc)
        return context

    def get_error_summary(self) -> dict[str, Any]:
        """Return totals by category and severity and the five most frequent patterns."""
        with self._lock:
            history = list(self.error_history)
            patterns = Counter(self.error_patterns)
        return {
            "total_errors": sum(patterns.values()),
            "recent_errors": len(history),
            "by_category": dict(Counter(c.category.value for c in history)),
            "by_severity": dict(Counter(c.severity.value for c in history)),
            "top_patterns": patterns.most_common(5),
        }
