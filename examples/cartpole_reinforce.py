"""REINFORCE (Williams, 1992) on gymnasium's CartPole, written as course code writes it.

The policy is a small Dense network giving action logits; each episode is played by
sampling actions with ``tf.random.categorical``, then the policy is pushed towards the
actions it took, weighted by the discounted, normalised return that followed them:

    loss = -Σ_t log π(a_t | s_t) · G_t,     G_t = Σ_k γ^k r_{t+k}

Run: ``python examples/cartpole_reinforce.py --episodes 600 --out runs/reinforce``
(needs the ``rl`` extra: ``pip install gymnasium``). It stops once the mean return of the
last 100 episodes reaches 195 and saves the return curve when ``--out`` is given.
"""

from __future__ import annotations

import argparse

import numpy as np

import ember as tf

keras = tf.keras


def make_policy(n_observations: int = 4, n_actions: int = 2, hidden: int = 32):
    """Observation -> action logits."""
    return keras.Sequential([
        keras.Input((n_observations,)),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(n_actions),
    ])


def discounted_returns(rewards, gamma: float = 0.99, normalize: bool = True) -> np.ndarray:
    """G_t = r_t + γ G_{t+1}, computed backwards; normalised to mean 0, std 1 (a baseline
    that lowers the variance of the gradient estimate)."""
    returns = np.zeros(len(rewards), np.float32)
    running = 0.0
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running
        returns[t] = running
    if normalize and len(returns) > 1:
        returns = (returns - returns.mean()) / (returns.std() + 1e-8)
    return returns


def play_episode(env, policy, seed=None, max_steps: int = 500):
    """One episode with actions sampled from the policy; (observations, actions, rewards)."""
    observation, _ = env.reset(seed=seed)
    observations, actions, rewards = [], [], []
    for _ in range(max_steps):
        logits = policy(observation[None].astype("float32"))
        action = int(tf.random.categorical(logits, 1)[0, 0])
        observations.append(observation)
        actions.append(action)
        observation, reward, terminated, truncated, _ = env.step(action)
        rewards.append(float(reward))
        if terminated or truncated:
            break
    return np.array(observations, np.float32), np.array(actions), rewards


def train_step(policy, optimizer, observations, actions, returns):
    """One policy-gradient update from one episode."""
    with tf.GradientTape() as tape:
        logits = policy(observations, training=True)
        log_probs = -tf.nn.sparse_softmax_cross_entropy_with_logits(labels=actions,
                                                                     logits=logits)
        loss = -tf.reduce_sum(log_probs * returns)
    grads = tape.gradient(loss, policy.trainable_variables)
    optimizer.apply_gradients(zip(grads, policy.trainable_variables))
    return float(loss)


def train(episodes: int = 600, seed: int = 0, gamma: float = 0.99, learning_rate: float = 0.01,
          target: float = 195.0, window: int = 100, env_id: str = "CartPole-v1",
          verbose: bool = False):
    """Trains a policy for at most ``episodes`` episodes, stopping once the mean return of
    the last ``window`` episodes reaches ``target``; returns (policy, returns per episode)."""
    import gymnasium as gym

    keras.utils.set_random_seed(seed)
    env = gym.make(env_id)
    env.action_space.seed(seed)
    policy = make_policy(int(env.observation_space.shape[0]), int(env.action_space.n))
    optimizer = keras.optimizers.Adam(learning_rate)
    history = []
    for episode in range(episodes):
        observations, actions, rewards = play_episode(env, policy, seed=seed + episode)
        train_step(policy, optimizer, observations, actions, discounted_returns(rewards, gamma))
        history.append(sum(rewards))
        mean = float(np.mean(history[-window:]))
        if verbose and episode % 20 == 0:
            print(f"episode {episode:4d}  return {history[-1]:5.0f}  mean of last "
                  f"{min(window, len(history))}: {mean:6.1f}")
        if len(history) >= window and mean >= target:
            break
    env.close()
    return policy, history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=600)
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
