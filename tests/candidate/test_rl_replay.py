"""ReplayBuffer of candidate.rl on lukhas.core.ring.RingBuffer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from candidate.rl import ReplayBuffer


def _fill(buf, count, dim):
    for t in range(count):
        buf.add(np.full(dim, t), action=t % 3, reward=float(t), next_obs=np.full(dim, t + 1),
                done=(t % 5 == 4))


@given(capacity=st.integers(1, 9), count=st.integers(0, 30), dim=st.integers(1, 3))
@settings(max_examples=40, deadline=None)
def test_keeps_the_newest_transitions_in_order(capacity, count, dim):
    buf = ReplayBuffer(capacity, dim, seed=0)
    _fill(buf, count, dim)
    kept = min(capacity, count)
    assert len(buf) == kept
    batch = buf.latest(kept)
    expected_t = np.arange(count - kept, count, dtype=float)
    np.testing.assert_array_equal(batch.rewards, expected_t)
    np.testing.assert_array_equal(batch.obs, np.repeat(expected_t[:, None], dim, axis=1))
    np.testing.assert_array_equal(batch.next_obs, batch.obs + 1)
    np.testing.assert_array_equal(batch.actions, expected_t.astype(int) % 3)
    np.testing.assert_array_equal(batch.dones, expected_t % 5 == 4)


def test_sample_rows_are_whole_transitions():
    buf = ReplayBuffer(7, 2, seed=1)
    _fill(buf, 19, 2)
    batch = buf.sample(200)
    assert batch.obs.shape == (200, 2) and batch.actions.dtype == np.int64
    np.testing.assert_array_equal(batch.obs[:, 0], batch.rewards)
    np.testing.assert_array_equal(batch.next_obs[:, 1], batch.rewards + 1)
    assert set(batch.rewards) == set(np.arange(12.0, 19.0))
    unique = buf.sample(7, replace=False)
    assert sorted(unique.rewards) == list(np.arange(12.0, 19.0))


def test_seeded_sampling_is_reproducible():
    a, b = ReplayBuffer(5, 1, seed=4), ReplayBuffer(5, 1, seed=4)
    _fill(a, 9, 1)
    _fill(b, 9, 1)
    np.testing.assert_array_equal(a.sample(10).rewards, b.sample(10).rewards)


def test_errors_and_clear():
    buf = ReplayBuffer(3, 2)
    with pytest.raises(ValueError, match="empty"):
        buf.sample(1)
    with pytest.raises(ValueError, match="`obs` must hold 2 values"):
        buf.add([1.0], 0, 0.0, [1.0, 2.0], False)
    with pytest.raises(TypeError, match="done"):
        buf.add([1.0, 2.0], 0, 0.0, [1.0, 2.0], 1)
    assert len(buf) == 0  # a rejected add writes nothing
    _fill(buf, 2, 2)
    with pytest.raises(ValueError, match="batch_size"):
        buf.sample(3, replace=False)
    buf.clear()
    assert len(buf) == 0
