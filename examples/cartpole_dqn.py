"""Deep Q-learning (Mnih et al., 2015) on gymnasium's CartPole: a replay buffer, an
ε-greedy policy and a target network kept as a copy (``set_weights(get_weights())``).

The Q-network learns Q(s, a) ≈ r + γ · max_a' Q_target(s', a') (0 after the last step) on
random minibatches of past transitions; the target network is the Q-network of a few
hundred steps ago, which keeps the regression target from chasing itself.

Run: ``python examples/cartpole_dqn.py --episodes 300 --out runs/dqn`` (needs gymnasium).
"""

from __future__ import annotations

import argparse

import numpy as np

import ember as tf

keras = tf.keras


def make_q_network(n_observations: int = 4, n_actions: int = 2, hidden: int = 64):
    """Observation -> one Q-value per action."""
    return keras.Sequential([
        keras.Input((n_observations,)),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(n_actions),
    ])


class ReplayBuffer:
    """The last ``capacity`` transitions (s, a, r, s', done) in ring arrays."""

    def __init__(self, capacity: int, n_observations: int):
        self.states = np.zeros((capacity, n_observations), np.float32)
        self.next_states = np.zeros((capacity, n_observations), np.float32)
        self.actions = np.zeros(capacity, np.int64)
        self.rewards = np.zeros(capacity, np.float32)
        self.done = np.zeros(capacity, np.float32)
        self.capacity, self.size, self._next = capacity, 0, 0

    def add(self, state, action, reward, next_state, done) -> None:
        i = self._next
        self.states[i], self.actions[i], self.rewards[i] = state, action, reward
        self.next_states[i], self.done[i] = next_state, float(done)
        self._next = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def __len__(self) -> int:
        return self.size

    def sample(self, batch_size: int, rng: np.random.Generator):
        idx = rng.integers(0, self.size, batch_size)
        return (self.states[idx], self.actions[idx], self.rewards[idx],
                self.next_states[idx], self.done[idx])


def td_targets(target_network, rewards, next_states, done, gamma: float) -> np.ndarray:
    """r + γ · max_a' Q_target(s', a'), with no bootstrap after a terminal step."""
    next_q = target_network(next_states).numpy().max(axis=1)
    return (rewards + gamma * (1.0 - done) * next_q).astype(np.float32)


def train_step(q_network, optimizer, loss_fn, states, actions, targets, n_actions: int):
    """One regression step of Q(s, a) towards the TD targets; returns the loss."""
    with tf.GradientTape() as tape:
        q_values = q_network(states, training=True)
        chosen = tf.reduce_sum(q_values * tf.one_hot(actions, n_actions), axis=1)
        loss = loss_fn(targets, chosen)
    grads = tape.gradient(loss, q_network.trainable_variables)
    optimizer.apply_gradients(zip(grads, q_network.trainable_variables))
    return float(loss)


def train(episodes: int = 300, seed: int = 0, gamma: float = 0.99,
          learning_rate: float = 1e-3, batch_size: int = 64, buffer_size: int = 20_000,
          warmup: int = 500, target_every: int = 250, epsilon_decay_steps: int = 5_000,
          target: float = 195.0, window: int = 100, env_id: str = "CartPole-v1",
          verbose: bool = False):
    """Trains a Q-network for at most ``episodes`` episodes (stopping once the mean return
    of the last ``window`` reaches ``target``); returns (q_network, returns per episode)."""
    import gymnasium as gym

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    env = gym.make(env_id)
    n_obs, n_actions = int(env.observation_space.shape[0]), int(env.action_space.n)
    q_network = make_q_network(n_obs, n_actions)
    target_network = make_q_network(n_obs, n_actions)
    target_network.set_weights(q_network.get_weights())
    optimizer = keras.optimizers.Adam(learning_rate)
    loss_fn = keras.losses.Huber()
    buffer = ReplayBuffer(buffer_size, n_obs)
    history, steps = [], 0
    for episode in range(episodes):
        state, _ = env.reset(seed=seed + episode)
        total, done = 0.0, False
        while not done:
            epsilon = max(0.05, 1.0 - steps / epsilon_decay_steps)
            if rng.random() < epsilon:
                action = int(rng.integers(n_actions))
            else:
                action = int(np.argmax(q_network(state[None].astype("float32")).numpy()[0]))
            next_state, reward, terminated, truncated, _ = env.step(action)
            buffer.add(state, action, reward, next_state, terminated)
            state, total, steps = next_state, total + reward, steps + 1
            done = terminated or truncated
            if len(buffer) >= warmup:
                s, a, r, s2, d = buffer.sample(batch_size, rng)
                targets = td_targets(target_network, r, s2, d, gamma)
                train_step(q_network, optimizer, loss_fn, s, a, targets, n_actions)
            if steps % target_every == 0:
                target_network.set_weights(q_network.get_weights())
        history.append(total)
        mean = float(np.mean(history[-window:]))
        if verbose and episode % 10 == 0:
            print(f"episode {episode:4d}  steps {steps:6d}  return {total:5.0f}  mean of last "
                  f"{min(window, len(history))}: {mean:6.1f}")
        if len(history) >= window and mean >= target:
            break
    env.close()
    return q_network, history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="folder for returns.png")
    args = parser.parse_args(argv)
    _, returns = train(args.episodes, seed=args.seed, verbose=True)
    print(f"{len(returns)} episodes; mean return of the last 100: {np.mean(returns[-100:]):.1f}")
    if args.out:
        import os

        from ember import plot
        os.makedirs(args.out, exist_ok=True)
        plot.plot_returns(returns, path=os.path.join(args.out, "returns.png"))
    return returns


if __name__ == "__main__":
    main()
