"""Gymnasium environments (needs the optional ``gymnasium`` package).

Import this module only when gymnasium is installed; the rest of
:mod:`lukhas.domain.rl` works without it.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from lukhas.domain.rl._gridworld import DEFAULT_LAYOUT, GridWorld

__all__ = ["GridWorldEnv"]


class GridWorldEnv(gym.Env[np.int64, np.int64]):
    """A :class:`~lukhas.domain.rl.GridWorld` behind the gymnasium ``Env`` API.

    Observations are state indices (``Discrete(n_states)``), actions are the
    four moves (``Discrete(4)``: up, right, down, left).  Episodes terminate in
    the goal or a pit and are truncated after ``max_steps``.

    Parameters
    ----------
    layout : sequence of str, default=DEFAULT_LAYOUT
        Grid rows (see :class:`~lukhas.domain.rl.GridWorld`).
    max_steps : int, default=100
        Truncation limit.
    render_mode : {"ansi"} or None, default=None
        ``"ansi"`` makes :meth:`render` return the grid as text.
    **model_options
        ``slip``, ``step_reward``, ``goal_reward``, ``pit_reward``.

    Examples
    --------
    >>> env = GridWorldEnv(["S.G"])
    >>> obs, info = env.reset(seed=0)
    >>> env.step(1)[:3]
    (np.int64(1), -1.0, False)
    """

    # gymnasium declares `metadata` as an attribute that subclasses override per class
    metadata: dict[str, Any] = {"render_modes": ["ansi"], "render_fps": 4}  # noqa: RUF012

    def __init__(
        self,
        layout: Any = DEFAULT_LAYOUT,
        *,
        max_steps: int = 100,
        render_mode: str | None = None,
        **model_options: Any,
    ) -> None:
        from lukhas._validation import check_int

        self.model = GridWorld(layout, **model_options)
        self.max_steps = check_int("max_steps", max_steps, low=1)
        if render_mode not in (None, "ansi"):
            raise ValueError(f"`render_mode` must be None or 'ansi', got {render_mode!r}.")
        self.render_mode = render_mode
        self.observation_space = spaces.Discrete(self.model.n_states)
        self.action_space = spaces.Discrete(self.model.n_actions)
        self._state = self.model.start
        self._steps = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.int64, dict[str, Any]]:
        """Start a new episode at the start cell."""
        super().reset(seed=seed)
        self._state = self.model.start
        self._steps = 0
        return np.int64(self._state), {}

    def step(self, action: Any) -> tuple[np.int64, float, bool, bool, dict[str, Any]]:
        """Move; returns ``(obs, reward, terminated, truncated, info)``."""
        if not self.action_space.contains(action):
            raise ValueError(f"`action` must be in Discrete(4), got {action!r}.")
        s2, reward = self.model.sample(self._state, int(action), self.np_random)
        self._state = s2
        self._steps += 1
        terminated = bool(self.model.terminal[s2])
        truncated = not terminated and self._steps >= self.max_steps
        return np.int64(s2), reward, terminated, truncated, {}

    def render(self) -> str | None:
        """The grid as text with the agent as ``A`` (``render_mode="ansi"``)."""
        if self.render_mode != "ansi":
            return None
        rows = [list(row) for row in self.model.layout]
        r, c = self.model.cells[self._state]
        rows[r][c] = "A"
        return "\n".join("".join(row) for row in rows)
