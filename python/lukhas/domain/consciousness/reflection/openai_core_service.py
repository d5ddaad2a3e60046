"""A model service for any OpenAI-compatible endpoint (chat completions over HTTP).

:class:`OpenAICoreService` sends :class:`OpenAIRequest` objects (or plain prompts)
to ``{base_url}/chat/completions`` and returns :class:`OpenAIResponse` objects.  The
model and default temperature follow the request's :class:`ModelType` (``FAST``,
``CREATIVE``, ``REASONING``; names configurable).  HTTP runs in a worker thread
(standard library only) with a timeout; 429, 5xx and connection errors are
retried with exponential backoff, other errors are not.  A failed request gives a
response with ``success=False`` and the reason, never an exception; wrong
argument types raise.  Without a ``base_url`` the service is offline and says so.
Latencies go into a ring window for p50/p95.

Examples
--------
>>> import asyncio
>>> service = OpenAICoreService()          # no endpoint configured: offline
>>> asyncio.run(service.initialize())
False
>>> asyncio.run(service.complete("hello")).error
'no endpoint configured (base_url is None)'
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lukhas._validation import check_int, check_real, check_str, describe
from lukhas.primitives.ring import RingBuffer

__all__ = [
    "ModelType",
    "OpenAICapability",
    "OpenAICoreService",
    "OpenAIRequest",
    "OpenAIResponse",
]

logger = logging.getLogger(__name__)


class ModelType(enum.Enum):
    """Which kind of model a request wants."""

    FAST = "fast"
    CREATIVE = "creative"
    REASONING = "reasoning"


class OpenAICapability(enum.Enum):
    """What a request asks the model to do."""

    CHAT = "chat"
    COMPLETION = "completion"
    REASONING = "reasoning"
    CREATIVE_WRITING = "creative_writing"
    SUMMARIZATION = "summarization"


_MODELS = {ModelType.FAST: "gpt-4o-mini", ModelType.CREATIVE: "gpt-4o",
           ModelType.REASONING: "o3-mini"}
_TEMPERATURE = {ModelType.FAST: 0.2, ModelType.CREATIVE: 0.9, ModelType.REASONING: 0.0}


@dataclass
class OpenAIRequest:
    """One request: a prompt (or messages), the model type and the generation settings."""

    prompt: str = ""
    model_type: ModelType = ModelType.FAST
    capability: OpenAICapability = OpenAICapability.CHAT
    messages: list[dict[str, str]] | None = None
    system: str | None = None
    max_tokens: int = 256
    temperature: float | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class OpenAIResponse:
    """The outcome of one request (``success=False`` with ``error`` when it failed)."""

    request_id: str
    content: str = ""
    model: str = ""
    model_type: ModelType = ModelType.FAST
    finish_reason: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    latency_ms: float = 0.0
    attempts: int = 0
    success: bool = False
    error: str | None = None


class _RetryableError(ConnectionError):
    """An HTTP failure worth retrying (429, 5xx, connection)."""


class OpenAICoreService:
    """Chat completions against an OpenAI-compatible endpoint (see the module notes).

    Parameters
    ----------
    config : mapping, str or None, default=None
        A base URL, or a mapping with ``base_url`` (e.g. ``"http://127.0.0.1:8000/v1"``;
        None: offline), ``api_key``, ``models`` (ModelType name -> model id),
        ``timeout`` (seconds, default 30), ``max_retries`` (default 2) and
        ``backoff`` (first retry delay in seconds, default 0.2).
    """

    def __init__(self, config: Mapping[str, Any] | str | None = None) -> None:
        if config is not None and not isinstance(config, (str, Mapping)):
            raise TypeError(f"`config` must be a mapping, a base URL or None, got "
                            f"{describe(config)}.")
        cfg: dict[str, Any] = {"base_url": config} if isinstance(config, str) else dict(
            config or {})
        base = cfg.get("base_url")
        self.base_url = None if base is None else check_str("base_url", base,
                                                            empty=False).rstrip("/")
        self._api_key = cfg.get("api_key")
        self.models = dict(_MODELS)
        for name, model in dict(cfg.get("models") or {}).items():
            self.models[ModelType[str(name).upper()]] = check_str("models", model, empty=False)
        self.timeout = check_real("timeout", cfg.get("timeout", 30.0), low=0.0,
                                  low_inclusive=False)
        self.max_retries = check_int("max_retries", cfg.get("max_retries", 2), low=0)
        self.backoff = check_real("backoff", cfg.get("backoff", 0.2), low=0.0)
        self.available = False
        self.remote_models: list[str] = []
        self._latency = RingBuffer(1024)
        self.requests = 0
        self.failures = 0

    def _http(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.base_url}{path}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self._api_key:
            req.add_header("Authorization", f"Bearer {self._api_key}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                payload: dict[str, Any] = json.loads(resp.read())
                return payload
        except urllib.error.HTTPError as err:
            detail = err.read().decode(errors="replace")[:200]
            if err.code == 429 or err.code >= 500:
                raise _RetryableError(f"HTTP {err.code}: {detail}") from err
            raise ValueError(f"HTTP {err.code}: {detail}") from err
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            raise _RetryableError(f"connection failed: {err}") from err

    async def initialize(self) -> bool:
        """Ask the endpoint for its models; True if it answered."""
        if self.base_url is None:
            self.available = False
            return False
        try:
            listing = await asyncio.to_thread(self._http, "GET", "/models", None)
        except (_RetryableError, ValueError) as err:
            logger.warning("model endpoint %s unavailable: %s", self.base_url, err)
            self.available = False
            return False
        self.remote_models = [str(m.get("id")) for m in listing.get("data", [])
                              if isinstance(m, Mapping)]
        self.available = True
        return True

    async def complete(self, prompt: str | OpenAIRequest, **kwargs: Any) -> OpenAIResponse:
        """Complete a prompt (keywords are :class:`OpenAIRequest` fields)."""
        if isinstance(prompt, OpenAIRequest):
            return await self.process_request(prompt)
        check_str("prompt", prompt)
        return await self.process_request(OpenAIRequest(prompt=prompt, **kwargs))

    async def process_request(self, request: OpenAIRequest) -> OpenAIResponse:
        """Send one request, with retries; never raises for service failures."""
        if not isinstance(request, OpenAIRequest):
            raise TypeError(f"`request` must be an OpenAIRequest, got {describe(request)}.")
        out = OpenAIResponse(request.request_id, model=self.models[request.model_type],
                             model_type=request.model_type)
        self.requests += 1
        if self.base_url is None:
            out.error = "no endpoint configured (base_url is None)"
            self.failures += 1
            return out
        messages = list(request.messages or [])
        if not messages:
            if request.system:
                messages.append({"role": "system", "content": request.system})
            messages.append({"role": "user", "content": request.prompt})
        temperature = (request.temperature if request.temperature is not None
                       else _TEMPERATURE[request.model_type])
        body = {"model": out.model, "messages": messages, "max_tokens": request.max_tokens,
                "temperature": temperature}
        start = time.perf_counter()
        for attempt in range(1, self.max_retries + 2):
            out.attempts = attempt
            try:
                reply = await asyncio.to_thread(self._http, "POST", "/chat/completions", body)
            except _RetryableError as err:
                out.error = str(err)
                if attempt <= self.max_retries:
                    await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            except ValueError as err:
                out.error = str(err)
                break
            try:
                choice = reply["choices"][0]
                out.content = str(choice["message"]["content"])
            except (KeyError, IndexError, TypeError) as err:
                out.error = f"malformed reply: {type(err).__name__}: {err}"
                break
            out.finish_reason = choice.get("finish_reason")
            out.usage = {k: int(v) for k, v in dict(reply.get("usage") or {}).items()
                         if isinstance(v, int)}
            out.model = str(reply.get("model", out.model))
            out.success, out.error = True, None
            break
        out.latency_ms = (time.perf_counter() - start) * 1e3
        self._latency.append(out.latency_ms)
        if not out.success:
            self.failures += 1
        return out

    def get_stats(self) -> dict[str, Any]:
        """Requests, failures and p50/p95 latency (ms) over the last 1,024 requests."""
        lat = self._latency.to_array()
        p50, p95 = (np.percentile(lat, [50, 95]).tolist() if lat.size else [0.0, 0.0])
        return {"requests": self.requests, "failures": self.failures,
                "available": self.available, "p50_ms": p50, "p95_ms": p95}
