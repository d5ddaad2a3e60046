"""A tabular gridworld model: exact transition tables for planning and compiled training."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_real, describe

__all__ = ["ACTIONS", "DEFAULT_LAYOUT", "GridWorld"]

#: Action index -> (row step, column step): up, right, down, left.
ACTIONS: tuple[tuple[int, int], ...] = ((-1, 0), (0, 1), (1, 0), (0, -1))

#: A 4 x 5 world: start top-left, goal bottom-right, a wall and a pit between.
DEFAULT_LAYOUT: tuple[str, ...] = (
    "S....",
    ".##.X",
    "...#.",
    "X...G",
)


class GridWorld:
    """Grid navigation with walls, pits, a goal and optional slipping.

    The model is held as tables over ``(state, action, outcome)`` so that value
    iteration is exact and the learning kernels can sample it compiled.

    Parameters
    ----------
    layout : sequence of str, default=DEFAULT_LAYOUT
        Equal-length rows of ``S`` (start, exactly one), ``G`` (goal, terminal),
        ``X`` (pit, terminal), ``#`` (wall) and ``.`` (free).
    slip : float, default=0.0
        Probability that a move goes sideways instead (half to each side).
    step_reward : float, default=-1.0
        Reward for a move onto a free cell (also for bumping into a wall or edge).
    goal_reward : float, default=10.0
        Reward for entering the goal.
    pit_reward : float, default=-10.0
        Reward for falling into a pit.

    Attributes
    ----------
    n_states, n_actions : int
        Non-wall cells (row-major order) and 4 moves.
    next_state : ndarray of shape (n_states, 4, 3), dtype=int64
        Outcome states: intended move, slip left, slip right.
    prob : ndarray of shape (n_states, 4, 3), dtype=float64
        Outcome probabilities (rows sum to 1).
    reward : ndarray of shape (n_states, 4, 3), dtype=float64
        Outcome rewards.
    terminal : ndarray of shape (n_states,), dtype=uint8
        1 for goal and pits.
    start : int
        Start state.

    Examples
    --------
    >>> world = GridWorld(["S.G"])
    >>> world.n_states, world.start, world.terminal.tolist()
    (3, 0, [0, 0, 1])
    >>> int(world.next_state[1, 1, 0]), float(world.reward[1, 1, 0])
    (2, 10.0)
    """

    def __init__(
        self,
        layout: Sequence[str] = DEFAULT_LAYOUT,
        *,
        slip: float = 0.0,
        step_reward: float = -1.0,
        goal_reward: float = 10.0,
        pit_reward: float = -10.0,
    ) -> None:
        rows = self._check_layout(layout)
        self.layout: tuple[str, ...] = rows
        self.slip = check_real("slip", slip, low=0.0, high=1.0)
        rewards = {
            ".": check_real("step_reward", step_reward),
            "S": step_reward,
            "G": check_real("goal_reward", goal_reward),
            "X": check_real("pit_reward", pit_reward),
        }
        cells = [(r, c) for r, row in enumerate(rows) for c, ch in enumerate(row) if ch != "#"]
        self.cells: tuple[tuple[int, int], ...] = tuple(cells)
        index = {cell: i for i, cell in enumerate(cells)}
        n = len(cells)
        self.n_states = n
        self.n_actions = len(ACTIONS)
        self.next_state = np.zeros((n, 4, 3), dtype=np.int64)
        self.prob = np.zeros((n, 4, 3))
        self.reward = np.zeros((n, 4, 3))
        self.terminal = np.zeros(n, dtype=np.uint8)
        self.start = 0
        for i, (r, c) in enumerate(cells):
            ch = rows[r][c]
            if ch == "S":
                self.start = i
            if ch in "GX":
                self.terminal[i] = 1
                self.next_state[i] = i  # absorbing, reward 0
                self.prob[i, :, 0] = 1.0
                continue
            for a in range(4):
                for k, move in enumerate((a, (a - 1) % 4, (a + 1) % 4)):
                    dr, dc = ACTIONS[move]
                    target = (r + dr, c + dc)
                    j = index.get(target, i)  # walls and edges: stay put
                    self.next_state[i, a, k] = j
                    tr, tc = cells[j]
                    self.reward[i, a, k] = rewards[rows[tr][tc]]
                self.prob[i, a] = (1.0 - self.slip, self.slip / 2.0, self.slip / 2.0)

    @staticmethod
    def _check_layout(layout: Any) -> tuple[str, ...]:
        if isinstance(layout, str) or not all(isinstance(row, str) for row in layout):
            raise TypeError(f"`layout` must be a sequence of str rows, got {describe(layout)}.")
        rows = tuple(layout)
        if not rows or len({len(row) for row in rows}) != 1 or not rows[0]:
            raise ValueError("`layout` rows must be non-empty and of equal length.")
        text = "".join(rows)
        if set(text) - set("SGX#."):
            unknown = sorted(set(text) - set("SGX#."))
            raise ValueError(f"`layout` may only use 'S', 'G', 'X', '#', '.', got {unknown}.")
        if text.count("S") != 1 or "G" not in text:
            raise ValueError("`layout` must hold exactly one 'S' and at least one 'G'.")
        return rows

    def sample(self, s: int, a: int, rng: np.random.Generator) -> tuple[int, float]:
        """Sample ``(next_state, reward)`` for action ``a`` in state ``s``."""
        k = int(rng.choice(3, p=self.prob[s, a]))
        return int(self.next_state[s, a, k]), float(self.reward[s, a, k])

    def render(self, policy: npt.NDArray[np.int64] | None = None) -> str:
        """The layout as text; with ``policy`` (n_states,), arrows on free cells."""
        grid = [list(row) for row in self.layout]
        if policy is not None:
            for i, (r, c) in enumerate(self.cells):
                if grid[r][c] in ".S" and not self.terminal[i]:
                    grid[r][c] = "^>v<"[int(policy[i])]
        return "\n".join("".join(row) for row in grid)
