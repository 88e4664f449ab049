"""Per-request fault injection, scripted from tests.

A test adds rules; each incoming request is checked against the rules in the order they were added
and the first rule that fires decides the fault. Rules fire a fixed number of times (``count``), or
with a ``probability`` drawn from the plan's seeded RNG, optionally after letting ``skip`` matching
requests through (e.g. "fail the second shard"). With probabilities, the decisions depend only on
the seed and the order in which matching requests arrive.

Kinds (see ATLAS_PROTOCOL.md §4 for how the client reacts to each):

=================  ==============================================================================
``"500"``          JSON ``{"detail": "Internal Server Error"}`` (``"Upload failed"`` on shards)
``"503"``          JSON ``{"detail": "Service Unavailable"}``
``"502"``/``"504"`` HTML gateway page (not JSON: a shard 504 is resent by the client)
``"http"``         any ``status=`` with ``body=`` (bytes, str or JSON-able) and ``content_type=``
``"id_conflict"``  409 ID-conflict detail naming the shard's ids; ``style="string"`` is the bare JSON
                   string that makes the client spin forever: only to prove outer timeouts work, and
                   note that the spinning client thread never ends (it burns a core until exit)
``"lock_held"``    lock-held detail; ``style="string"`` makes the client raise
``"org_limit"``    organization-limit detail; ``style="string"`` makes add_data return early
``"wrong_key"``    401 as for a refused API key
``"slow"``         wait ``delay=`` seconds, then behave normally
``"hang"``         never answer until :meth:`FaultPlan.release_hangs` (then behave normally) or the
                   emulator stops (then the connection is closed); ``timeout=`` seconds closes it
                   unanswered earlier, as a proxy's idle timeout would (keeps long randomized runs
                   from piling up blocked client threads)
``"drop"``         close the connection without any response
``"status_201"``   process normally, answer 201 instead of 200 (with the normal JSON body the client
                   logs "Shard upload failed" yet ends with "Upload succeeded."; with ``body=b""`` it
                   counts the shard as failed, though the rows are stored either way)
``"warning"``      process normally, add an ``X-AtlasWarning: text=`` header
=================  ==============================================================================

``phase="after"`` (for ``slow``, ``hang``, ``drop``) processes the request first, so the data is
stored and only the reply is late or lost: the case where the client believes a shard failed.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence, Union

from . import messages
from .messages import Reply, Request

REPLY_KINDS = {"500", "502", "503", "504", "http", "id_conflict", "lock_held", "org_limit", "wrong_key"}
FLOW_KINDS = {"slow", "hang", "drop"}
AMEND_KINDS = {"status_201", "warning"}
KINDS = frozenset(REPLY_KINDS | FLOW_KINDS | AMEND_KINDS)
_UNSET = object()


@dataclass(frozen=True)
class Fault:
    """The fault chosen for one request."""

    kind: str
    phase: str = "before"
    params: dict[str, Any] = field(default_factory=dict)

    def reply(self, request: Request) -> Reply:
        """The error reply for a reply-kind fault."""
        return fault_reply(self.kind, request, self.params)


@dataclass
class FaultRule:
    """One scripted rule; ``fired`` and ``seen`` let tests check it was exercised."""

    target: str
    kinds: tuple[str, ...]
    count: Optional[int]
    probability: Optional[float]
    skip: int
    method: Optional[str]
    phase: str
    params: dict[str, Any]
    fired: int = 0
    seen: int = 0

    def matches(self, method: str, path: str, endpoint: str) -> bool:
        """True if the rule applies to this request (by endpoint name, path prefix or ``"*"``)."""
        if self.method and self.method != method:
            return False
        if self.target == "*":
            return endpoint not in ("emulator_state",)
        if self.target.startswith("/"):
            return path.startswith(self.target)
        return self.target == endpoint

    @property
    def exhausted(self) -> bool:
        """True once the rule has fired ``count`` times."""
        return self.count is not None and self.fired >= self.count


class FaultPlan:
    """The ordered set of fault rules of one emulator, safe to edit while requests are served."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._rng = random.Random(seed)
        self._hold = threading.Condition()
        self._generation = 0
        self._hanging = 0

    def add(
        self,
        target: str,
        kind: Union[str, Sequence[str]],
        *,
        count: Union[int, None, object] = _UNSET,
        probability: Optional[float] = None,
        skip: int = 0,
        method: Optional[str] = None,
        phase: str = "before",
        **params: Any,
    ) -> FaultRule:
        """Add a rule. ``target`` is an endpoint name (see routes.ENDPOINTS), a path prefix or "*".

        ``kind`` may be a list: each firing then picks one kind at random (seeded). Without a
        probability the rule fires ``count`` times (default once; ``count=None``: every time); with
        one it fires on each matching request with that probability, ``count`` times at most
        (default: no cap).
        """
        kinds = (kind,) if isinstance(kind, str) else tuple(kind)
        unknown = [k for k in kinds if k not in KINDS]
        if unknown or not kinds:
            raise ValueError(f"unknown fault kind(s) {unknown}; known: {sorted(KINDS)}")
        if phase not in ("before", "after"):
            raise ValueError("phase must be 'before' or 'after'")
        if count is _UNSET:
            count = 1 if probability is None else None
        if count is not None and not isinstance(count, int):
            raise TypeError("count must be an int or None")
        rule = FaultRule(target, kinds, count, probability, skip, method, phase, dict(params))
        with self._lock:
            self._rules.append(rule)
        return rule

    def seed(self, seed: int) -> None:
        """Reseed the RNG used by probabilistic rules and random kind choice."""
        with self._lock:
            self._rng.seed(seed)

    def clear(self) -> None:
        """Remove every rule (hung requests stay hung until released or stopped)."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        """A snapshot of the rules."""
        with self._lock:
            return list(self._rules)

    def release_hangs(self) -> None:
        """Let the requests a ``hang`` fault holds now go on normally (later hangs hang again)."""
        with self._hold:
            self._generation += 1
            self._hold.notify_all()

    @property
    def hanging(self) -> int:
        """How many requests a ``hang`` fault holds right now."""
        with self._hold:
            return self._hanging

    def hold(self, stopping: threading.Event, limit: Optional[float] = None) -> bool:
        """Block the calling handler until released (True), or the emulator stops or ``limit`` passes (False)."""
        deadline = None if limit is None else time.monotonic() + limit
        with self._hold:
            generation = self._generation
            self._hanging += 1
            try:
                while self._generation == generation:
                    if stopping.is_set() or (deadline is not None and time.monotonic() >= deadline):
                        return False
                    self._hold.wait(0.05)
            finally:
                self._hanging -= 1
            return True

    def pick(self, method: str, path: str, endpoint: str) -> Optional[Fault]:
        """Decide the fault for one request, updating the rules' counters."""
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or not rule.matches(method, path, endpoint):
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    continue
                if rule.probability is not None and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                kind = rule.kinds[0] if len(rule.kinds) == 1 else self._rng.choice(rule.kinds)
                return Fault(kind, rule.phase, rule.params)
        return None


def fault_reply(kind: str, request: Request, params: dict[str, Any]) -> Reply:
    """Build the reply a reply-kind fault sends."""
    style = params.get("style", "object")
    if kind == "500":
        text = params.get("detail") or ("Upload failed" if request.endpoint == "arrow" else "Internal Server Error")
        return messages.detail_reply(500, text)
    if kind == "503":
        return messages.detail_reply(503, params.get("detail", "Service Unavailable"))
    if kind in ("502", "504"):
        return messages.gateway_page(int(kind))
    if kind == "wrong_key":
        return messages.detail_reply(messages.WRONG_KEY_STATUS, messages.WRONG_KEY_DETAIL)
    if kind == "id_conflict":
        ids = params.get("ids") or request.row_ids[:20]
        return messages.detail_reply(messages.ID_CONFLICT_STATUS, messages.id_conflict_text(ids), style)
    if kind == "lock_held":
        return messages.detail_reply(messages.LOCK_HELD_STATUS, messages.lock_held_text(), style)
    if kind == "org_limit":
        rows = request.table.num_rows if request.table is not None else 0
        text = messages.org_limit_text(rows, int(params.get("limit", 10_000)))
        return messages.detail_reply(messages.ORG_LIMIT_STATUS, text, style)
    if kind == "http":
        return _custom_reply(params)
    raise ValueError(f"{kind!r} is not a reply fault")


def _custom_reply(params: dict[str, Any]) -> Reply:
    status = int(params.get("status", 500))
    body = params.get("body", b"")
    content_type = params.get("content_type")
    if isinstance(body, bytes):
        return Reply(status, body, content_type)
    if isinstance(body, str):
        return Reply(status, body.encode("utf-8"), content_type or "text/plain; charset=utf-8")
    reply = messages.json_reply(status, body)
    if content_type:
        reply.content_type = content_type
    return reply
