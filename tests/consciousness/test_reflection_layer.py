"""consciousness.reflection: memory managers (folds against a reference, search, drift,
amplitude retrieval), the memory hub, the model service against a loopback
OpenAI-compatible server, and the LUKHAS call shapes."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import numpy as np
import pytest

from lukhas.domain.consciousness._embed import concepts_of, text_vector
from lukhas.domain.consciousness.reflection import (
    DriftMemoryManager,
    EnhancedMemoryManager,
    MemoryHub,
    ModelType,
    OpenAICapability,
    OpenAICoreService,
    OpenAIRequest,
    OpenAIResponse,
    QIMemoryManager,
)

TEXTS = ["the tide rises over the harbour", "the harbour tide at night",
         "robots assemble bright engines", "engines hum as robots assemble",
         "a quiet library of old maps", "tide and harbour and boats",
         "maps of a quiet old library"]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_lukhas_call_shapes() -> None:
    from consciousness.reflection.memory_hub import MemoryHub as Hub
    from consciousness.reflection.openai_core_service import ModelType as Kind
    from consciousness.reflection.openai_core_service import (
        OpenAICapability as Cap,
    )
    from consciousness.reflection.openai_core_service import (
        OpenAICoreService as Service,
    )
    from consciousness.reflection.openai_core_service import OpenAIRequest as Req
    from consciousness.reflection.openai_core_service import OpenAIResponse as Resp
    from consciousness.reflection.self_reflection_engine import ReflectionEngine
    from consciousness.reflection.unified_memory_manager import (
        DriftMemoryManager as Drift,
    )
    from consciousness.reflection.unified_memory_manager import (
        EnhancedMemoryManager as Enhanced,
    )
    from consciousness.reflection.unified_memory_manager import QIMemoryManager as Amplitude
    from lukhas.consciousness.reflection_engine import ReflectionEngine as Engine

    assert ReflectionEngine is Engine and isinstance(ReflectionEngine(), Engine)
    assert (Hub, Kind, Cap, Service, Req, Resp) == (MemoryHub, ModelType, OpenAICapability,
                                                  OpenAICoreService, OpenAIRequest,
                                                  OpenAIResponse)
    assert {"FAST", "CREATIVE", "REASONING"} <= set(ModelType.__members__)
    mm = Enhanced()
    Drift()
    Amplitude()
    assert mm.get_active_folds() == []

    async def main() -> None:
        mid = await mm.store_memory({"text": "first light"}, memory_id="m1")
        assert mid == "m1" and await mm.retrieve_memory("m1") == {"text": "first light"}
        hub = Hub()
        await hub.connect_bridge(lambda event: None)
        hub.register_service("episodic", mm)
        await hub.register_client("reflection", ["read"])
        service = Service()
        assert await service.initialize() is False
        assert not (await service.complete("x")).success
        assert not (await service.process_request(Req(prompt="x"))).success
        Service({"base_url": "http://127.0.0.1:9/v1"})

    run(main())


def _reference_folds(texts: list[str], threshold: float) -> list[int]:
    centroids: list[np.ndarray] = []
    sizes: list[int] = []
    out = []
    for t in texts:
        v = text_vector(concepts_of(t), 128)
        sims = [float(c @ v / np.linalg.norm(c)) for c in centroids]
        best = int(np.argmax(sims)) if sims else -1
        if best >= 0 and sims[best] >= threshold:
            centroids[best] = (centroids[best] * sizes[best] + v) / (sizes[best] + 1)
            sizes[best] += 1
            out.append(best)
        else:
            centroids.append(v)
            sizes.append(1)
            out.append(len(centroids) - 1)
    return out


def test_folds_equal_the_reference_and_expire() -> None:
    now = [0.0]
    mm = EnhancedMemoryManager(fold_threshold=0.3, active_window=10.0, clock=lambda: now[0])
    for i, text in enumerate(TEXTS):
        now[0] = float(i)
        run(mm.store_memory(text, memory_id=f"m{i}"))
    expected = _reference_folds(TEXTS, 0.3)
    assert [mm._fold_of[f"m{i}"] for i in range(len(TEXTS))] == expected
    assert len(set(expected)) == 3  # tides, robots, maps
    folds = mm.get_active_folds()
    assert [f["fold_id"] for f in folds] == [expected[6], expected[5], expected[3]]
    now[0] = 14.5  # fold of m3 (robots, last touched at 3) has expired
    assert expected[3] not in [f["fold_id"] for f in mm.get_active_folds()]
    run(mm.retrieve_memory("m2"))  # retrieval re-activates it
    assert mm.get_active_folds()[0]["fold_id"] == expected[3]
    run(mm.store_memory("engines and robots again", memory_id="m4"))  # rewrite moves m4
    assert "m4" not in mm._folds[expected[4]].memory_ids
    assert len(mm) == len(TEXTS)


def test_search_equals_brute_force() -> None:
    mm = EnhancedMemoryManager()
    for i, text in enumerate(TEXTS):
        run(mm.store_memory(text, memory_id=f"m{i}"))
    q = "harbour boats at night"
    vecs = np.stack([text_vector(concepts_of(t), 128) for t in TEXTS])
    sims = vecs @ text_vector(concepts_of(q), 128)
    order = np.argsort(-sims, kind="stable")[:3]
    got = mm.search(q, 3)
    assert [m for m, _ in got] == [f"m{i}" for i in order]
    assert [s for _, s in got] == pytest.approx(sims[order].tolist())


def test_drift_ema() -> None:
    mm = DriftMemoryManager(alpha=0.5)
    run(mm.store_memory("calm tide harbour", memory_id="a"))
    run(mm.store_memory("calm tide harbour", memory_id="a"))
    assert mm.get_drift("a") == pytest.approx(0.0, abs=1e-12)
    run(mm.store_memory("robots engines", memory_id="a"))
    v1 = text_vector(concepts_of("calm tide harbour"), 128)
    v2 = text_vector(concepts_of("robots engines"), 128)
    d = 1 - float(v1 @ v2)
    assert mm.get_drift("a") == pytest.approx(0.5 * d)
    assert mm.drifting(0.1) == [("a", pytest.approx(0.5 * d))]


def test_amplitude_retrieval() -> None:
    mm = QIMemoryManager(seed=3)
    for i, text in enumerate(TEXTS):
        run(mm.store_memory(text, memory_id=f"m{i}"))
    state = mm.superpose("tide harbour", 8)
    hits = [(m, s) for m, s in mm.search("tide harbour", 8) if s >= 0.25]
    assert len(hits) >= 2
    total = sum(s * s for _, s in hits)
    assert state == [(m, pytest.approx(s * s / total)) for m, s in hits]
    assert sum(p for _, p in state) == pytest.approx(1.0)
    draws = [mm.collapse("tide harbour", 8) for _ in range(3000)]
    for m, p in state:
        freq = draws.count(m) / len(draws)
        assert abs(freq - p) < 4 * np.sqrt(p * (1 - p) / len(draws)) + 1e-9
    assert mm.collapse("zzzz qqqq") is None


def test_memory_hub_routes_checks_and_announces() -> None:
    events: list[dict[str, Any]] = []

    class AsyncBridge:
        async def on_memory_event(self, event: dict[str, Any]) -> None:
            events.append(event)

    failures = {"n": 0}

    def broken(event: dict[str, Any]) -> None:
        failures["n"] += 1
        raise RuntimeError("bridge down")

    async def main() -> None:
        hub = MemoryHub(max_bridge_failures=2)
        a, b = EnhancedMemoryManager(), DriftMemoryManager()
        hub.register_service("episodic", a)
        hub.register_service("semantic", b)
        assert await hub.connect_bridge(AsyncBridge()) is True
        assert await hub.connect_bridge(broken) is True
        assert await hub.connect_bridge(broken) is False
        with pytest.raises(PermissionError, match="not registered"):
            await hub.store("ghost", "x")
        await hub.register_client("reader", "read")
        await hub.register_client("writer", ["write", "read", "search"])
        with pytest.raises(PermissionError, match="may not write"):
            await hub.store("reader", "x")
        mid = await hub.store("writer", "tide over harbour", memory_id="m1")
        await hub.store("writer", "robots", memory_id="m2", service="semantic")
        assert await hub.retrieve("reader", mid) == "tide over harbour"
        assert await hub.retrieve("reader", "m2") is None  # lives in the other service
        assert await hub.retrieve("reader", "m2", service="semantic") == "robots"
        assert (await hub.search("writer", "harbour", 1))[0][0] == "m1"
        with pytest.raises(LookupError, match="no memory service 'nope'"):
            await hub.retrieve("reader", "m1", service="nope")
        with pytest.raises(ValueError, match="`capabilities` must be among"):
            await hub.register_client("x", ["delete"])
        assert [e["memory_id"] for e in events] == ["m1", "m2"]
        assert [e["service"] for e in events] == ["episodic", "semantic"]
        assert failures["n"] == 2 and hub.bridges == 1  # the broken one was dropped
        assert hub.stats["write:episodic"] == 1 and hub.stats["bridge_failures"] == 2

    run(main())


class _Handler(BaseHTTPRequestHandler):
    script: ClassVar[list[int]] = []
    seen: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, *args: Any) -> None:
        return

    def _send(self, code: int, body: Any) -> None:
        raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        self._send(200, {"data": [{"id": "gpt-4o-mini"}, {"id": "local-model"}]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body["_auth"] = self.headers.get("Authorization")
        type(self).seen.append(body)
        code = type(self).script.pop(0) if type(self).script else 200
        if code == 200:
            text = body["messages"][-1]["content"].upper()
            self._send(200, {"model": body["model"], "choices": [
                {"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}})
        elif code == 999:
            self._send(200, {"choices": []})
        else:
            self._send(code, {"error": {"message": f"status {code}"}})


@pytest.fixture
def endpoint() -> Iterator[str]:
    _Handler.script, _Handler.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()
    thread.join()


def test_model_service_against_a_loopback_endpoint(endpoint: str) -> None:
    service = OpenAICoreService({"base_url": endpoint, "api_key": "sk-test", "backoff": 0.0,
                                 "models": {"creative": "local-model"}})

    async def main() -> None:
        assert await service.initialize() is True
        assert service.remote_models == ["gpt-4o-mini", "local-model"]
        res = await service.complete("hello there")
        assert res.success and res.content == "HELLO THERE" and res.attempts == 1
        assert res.usage == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
        sent = _Handler.seen[-1]
        assert sent["model"] == "gpt-4o-mini" and sent["temperature"] == 0.2
        assert sent["_auth"] == "Bearer sk-test"
        req = OpenAIRequest(prompt="dream of tides", model_type=ModelType.CREATIVE,
                            system="be brief", max_tokens=16)
        res = await service.process_request(req)
        sent = _Handler.seen[-1]
        assert res.model == "local-model" and sent["temperature"] == 0.9
        assert sent["messages"][0] == {"role": "system", "content": "be brief"}
        assert sent["max_tokens"] == 16 and res.request_id == req.request_id
        _Handler.script = [500, 429]
        res = await service.complete("retry me")
        assert res.success and res.attempts == 3 and res.content == "RETRY ME"
        _Handler.script = [401]
        res = await service.complete("no key")
        assert not res.success and res.attempts == 1 and "HTTP 401" in (res.error or "")
        _Handler.script = [503, 503, 503]
        res = await service.complete("down")
        assert not res.success and res.attempts == 3 and "HTTP 503" in (res.error or "")
        _Handler.script = [999]
        res = await service.complete("odd")
        assert not res.success and "malformed reply" in (res.error or "")
        stats = service.get_stats()
        assert stats["requests"] == 6 and stats["failures"] == 3 and stats["p95_ms"] > 0

    run(main())


def test_model_service_bad_input_and_unreachable() -> None:
    with pytest.raises(TypeError, match="`config` must be a mapping"):
        OpenAICoreService(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`request` must be an OpenAIRequest"):
        run(OpenAICoreService().process_request("x"))  # type: ignore[arg-type]
    service = OpenAICoreService({"base_url": "http://127.0.0.1:9/v1", "max_retries": 1,
                                 "backoff": 0.0, "timeout": 2.0})
    assert run(service.initialize()) is False
    res = run(service.complete("anyone?"))
    assert not res.success and res.attempts == 2 and "connection failed" in (res.error or "")
