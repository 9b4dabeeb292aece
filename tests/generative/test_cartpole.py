"""The CartPole agents of examples/: REINFORCE learns, DQN's parts do what they say.

Skipped when gymnasium (the ``rl`` extra) is not installed. The full runs to the
threshold (a mean return >= 195 over the last 100 episodes) are in the slow suite.
"""

import importlib.util
import os

import numpy as np
import pytest

import ember as tf

gym = pytest.importorskip("gymnasium")

_EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def example(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(_EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reinforce = example("cartpole_reinforce")
dqn = example("cartpole_dqn")


def test_discounted_returns_are_computed_backwards():
    g = reinforce.discounted_returns([1.0, 1.0, 1.0], gamma=0.5, normalize=False)
    np.testing.assert_allclose(g, [1.75, 1.5, 1.0])
    n = reinforce.discounted_returns([1.0, 0.0, 2.0, 1.0], gamma=0.9)
    assert n.mean() == pytest.approx(0.0, abs=1e-6) and n.std() == pytest.approx(1.0, rel=1e-4)


def test_reinforce_return_rises_in_a_short_run():
    _, returns = reinforce.train(episodes=80, seed=0)
    assert len(returns) == 80
    assert np.mean(returns[-20:]) > 1.5 * np.mean(returns[:20])


@pytest.mark.slow
def test_reinforce_reaches_195_over_100_episodes_within_its_budget():
    _, returns = reinforce.train(episodes=600, seed=0)
    assert len(returns) < 600 and np.mean(returns[-100:]) >= 195


def test_replay_buffer_is_a_ring_and_target_sync_copies_the_weights():
    buffer = dqn.ReplayBuffer(capacity=3, n_observations=2)
    for i in range(5):
        buffer.add([i, i], i % 2, float(i), [i + 1, i + 1], i == 4)
    assert len(buffer) == 3
    assert sorted(buffer.rewards.tolist()) == [2.0, 3.0, 4.0]  # the two oldest went
    s, a, r, s2, d = buffer.sample(8, np.random.default_rng(0))
    np.testing.assert_array_equal(s2[:, 0], s[:, 0] + 1)
    np.testing.assert_array_equal(d, (r == 4.0).astype(np.float32))

    tf.keras.utils.set_random_seed(0)
    online, target = dqn.make_q_network(2, 2), dqn.make_q_network(2, 2)
    states = np.array([[0.1, 0.2], [0.3, -0.4]], "float32")
    assert not np.allclose(online(states).numpy(), target(states).numpy())
    target.set_weights(online.get_weights())
    np.testing.assert_array_equal(online(states).numpy(), target(states).numpy())
    # TD targets: no bootstrap after a terminal step
    targets = dqn.td_targets(target, np.array([1.0, 1.0], "float32"), states,
                             np.array([0.0, 1.0], "float32"), gamma=0.9)
    assert targets[1] == 1.0
    assert targets[0] == pytest.approx(1.0 + 0.9 * target(states).numpy()[0].max())


def test_a_dqn_step_moves_the_chosen_q_value_towards_its_target():
    tf.keras.utils.set_random_seed(0)
    q = dqn.make_q_network(2, 2)
    optimizer = tf.keras.optimizers.SGD(0.05)
    states = np.array([[0.5, -0.5]] * 4, "float32")
    actions = np.array([1, 1, 1, 1])
    targets = np.full(4, 3.0, "float32")
    before = q(states).numpy()[0]
    losses = [dqn.train_step(q, optimizer, tf.keras.losses.Huber(), states, actions, targets, 2)
              for _ in range(20)]
    after = q(states).numpy()[0]
    assert losses[-1] < losses[0]
    assert abs(after[1] - 3.0) < abs(before[1] - 3.0)


@pytest.mark.slow
def test_dqn_return_rises():
    _, returns = dqn.train(episodes=120, seed=0)
    assert np.mean(returns[-20:]) > 3 * np.mean(returns[:20])
