"""The Bach chorale GAN's networks: a U-Net generator, a convolutional critic, WGAN-GP updates, save and load.

The generator reads a melody (the soprano) and one noise vector per bar and writes the alto, tenor and
bass; the critic scores four voices of a two-bar window. Both read the melody's pitch-class profile, the
key that local convolutions cannot see (:mod:`composerlab.models.gan.conditioning`). Introduced in lab 03.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from composerlab.models.runtime import quiet_tensorflow
from composerlab.models.corpora.chorales import LOWEST_PITCH, N_MODEL_PITCHES
from composerlab.models.gan.conditioning import key_masks, melody_profile
from composerlab.music.pianoroll import STEPS_PER_BAR

N_VOICES = 3
"""Voices the generator writes under the melody: alto, tenor, bass."""


@dataclass
class GANConfig:
    """Every hyperparameter of the chorale GAN (saved beside the weights).

    Parameters
    ----------
    iterations : int
        Generator updates.
    batch_size : int
        Windows per update.
    learning_rate, beta_1, beta_2 : float
        Adam settings for both networks.
    update_ratio : int
        Critic updates per generator update.
    gp_weight : float
        Weight of the gradient penalty.
    bars : int
        Bars per training window.
    noise_dim : int
        Length of the noise vector for each bar.
    channels : int
        Width of the first generator layer (deeper layers use 2x and 4x).
    critic_channels : int
        Width of the first critic layer.
    max_shift : int
        Random transposition of training windows, in semitones up or down.
    key_conditioning : bool
        Give generator and critic the melody's pitch-class profile. Models
        saved before it existed load with False.
    key_weight : float
        Weight of the auxiliary loss on the generator's probability of
        pitches outside the melody's key (0: none; 2 for the shipped model).
    seed : int
        Seed for weights, batches, transpositions and noise.
    """

    iterations: int = 3000
    batch_size: int = 32
    learning_rate: float = 1e-3
    beta_1: float = 0.5
    beta_2: float = 0.9
    update_ratio: int = 2
    gp_weight: float = 10.0
    bars: int = 2
    noise_dim: int = 16
    channels: int = 32
    critic_channels: int = 32
    max_shift: int = 5
    key_conditioning: bool = True
    key_weight: float = 2.0
    seed: int = 0
    lowest_pitch: int = LOWEST_PITCH
    n_pitches: int = N_MODEL_PITCHES

    @classmethod
    def from_dict(cls, values: dict) -> "GANConfig":
        known = {f.name for f in fields(cls)}
        values = {"key_conditioning": False, **values}  # saved before the key inputs existed
        return cls(**{k: v for k, v in values.items() if k in known})

    def to_dict(self) -> dict:
        return asdict(self)


def build_generator(config: GANConfig):
    """The U-Net generator: (melody (steps, pitches), noise (bars, noise_dim)) -> (steps, 3, pitches) in [-1, 1].

    ``steps`` may be any multiple of 16 (whole bars of 4/4). Each value is
    2p - 1 for the probability p that the voice sings that pitch at that step;
    what is left of p is the chance it rests.

    A U-Net over time: the encoder steps down from 16th notes to 8ths, beats and bars, the decoder steps
    back up, and skip connections hand each level's detail across. Pitch is the channel axis (52 pitches,
    B-flat 1 to C#6, cover every voice), so every layer is a 1-D convolution over time: fast on a laptop
    CPU, and any number of whole bars goes through the same weights. The melody's pitch-class profile is
    added to every bar of the bottleneck and turned into a bias on every voice's pitch choice; an optional
    loss (``key_weight``) charges the probability put on pitches outside the melody's key.
    """
    quiet_tensorflow()
    import keras  # loads TensorFlow: deferred to the first network built
    from keras import layers, ops  # (the same)

    p, c = config.n_pitches, config.channels
    melody = keras.Input((None, p), name="melody")
    noise = keras.Input((None, config.noise_dim), name="noise")

    def down(x, width, stride, name):
        x = layers.Conv1D(width, max(3, stride), strides=stride, padding="same", name=name)(x)
        return layers.LeakyReLU(0.2)(x)

    def up(x, skip, width, stride, name):
        x = layers.Conv1DTranspose(width, stride, strides=stride, padding="same", name=f"{name}_up")(x)
        x = layers.LeakyReLU(0.2)(x)
        x = layers.Concatenate()([x, skip])
        x = layers.Conv1D(width, 3, padding="same", name=f"{name}_mix")(x)
        return layers.LeakyReLU(0.2)(x)

    e0 = down(melody, c, 1, "enc_16th")          # steps
    e1 = down(e0, 2 * c, 2, "enc_8th")           # steps / 2
    e2 = down(e1, 2 * c, 2, "enc_beat")          # steps / 4
    e3 = down(e2, 4 * c, 4, "enc_bar")           # steps / 16: one vector per bar
    joined = [e3, noise]
    if config.key_conditioning:
        # The whole melody's pitch-class profile, the same for every bar.
        profile = layers.Lambda(lambda m: melody_profile(m, config.lowest_pitch, p), name="key_profile")(melody)
        key = layers.LeakyReLU(0.2)(layers.Dense(c, name="key_embedding")(profile))
        joined.append(layers.Lambda(lambda t: ops.zeros_like(t[0][..., :1]) + t[1][:, None, :],
                                    name="key_per_bar")([e3, key]))
    bottleneck = layers.Concatenate()(joined)
    b = layers.Conv1D(4 * c, 3, padding="same", name="bar_context")(bottleneck)
    b = layers.LeakyReLU(0.2)(b)
    d2 = up(b, e2, 2 * c, 4, "dec_beat")
    d1 = up(d2, e1, 2 * c, 2, "dec_8th")
    d0 = up(d1, e0, c, 2, "dec_16th")
    # Each voice sings one pitch or rests at each step: a softmax over
    # "rest" + every pitch, then the pitches scaled to the data's -1..+1.
    logits = layers.Conv1D(N_VOICES * (p + 1), 1, name="voices")(d0)
    if config.key_conditioning:
        # A per-voice bias on each pitch from the melody's profile: the key
        # can favour or rule out a pitch everywhere at once.
        bias = layers.Dense(N_VOICES * (p + 1), name="key_bias")(key)
        logits = layers.Lambda(lambda t: t[0] + t[1][:, None, :], name="add_key_bias")([logits, bias])
    logits = layers.Reshape((-1, N_VOICES, p + 1), name="to_voices")(logits)
    probabilities = layers.Softmax(axis=-1)(logits)
    out = layers.Lambda(lambda x: 2.0 * x[..., 1:] - 1.0, name="pitches")(probabilities)
    return keras.Model([melody, noise], out, name="generator")


def build_critic(config: GANConfig):
    """The critic: four voices (steps, 4, pitches) of one window -> one unbounded score.

    Four strided convolutions and a dense layer give a score, not a probability: the Wasserstein loss asks
    it to score real chorales higher than generated ones, and the gradient penalty keeps it smooth, so its
    scores are a useful signal for the generator. It compares the melody's pitch-class profile with the
    voices' pitch classes, so an accompaniment in another key scores low.
    """
    quiet_tensorflow()
    import keras  # loads TensorFlow: deferred to the first network built
    from keras import layers, ops  # (the same)

    steps, p, c = config.bars * STEPS_PER_BAR, config.n_pitches, config.critic_channels
    music = keras.Input((steps, N_VOICES + 1, p), name="music")
    x = layers.Reshape((steps, (N_VOICES + 1) * p))(music)
    for i, width in enumerate((c, 2 * c, 2 * c, 4 * c)):
        x = layers.Conv1D(width, 4, strides=2, padding="same", name=f"conv{i + 1}")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    if config.key_conditioning:
        # The melody's pitch-class profile beside the voices': a critic that
        # sees both can tell an accompaniment in another key.
        def profiles(m):
            melody_part = melody_profile(m[:, :, 0], config.lowest_pitch, p)
            voices_part = melody_profile(ops.sum(m[:, :, 1:] + 1.0, axis=2) - 1.0, config.lowest_pitch, p)
            return ops.concatenate([melody_part, voices_part, melody_part * voices_part * 12.0], axis=-1)

        k = layers.Lambda(profiles, name="key_profiles")(music)
        k = layers.LeakyReLU(0.2)(layers.Dense(2 * c, name="key_dense1")(k))
        k = layers.LeakyReLU(0.2)(layers.Dense(c, name="key_dense2")(k))
        x = layers.Concatenate()([x, k])
    score = layers.Dense(1, name="score")(x)
    return keras.Model(music, score, name="critic")


class ChoraleGAN:
    """Generator, critic, their optimizers and the WGAN-GP update steps.

    Parameters
    ----------
    config : GANConfig
        Hyperparameters; ``config.seed`` seeds the weights.
    jit_compile : bool
        Compile the update steps with XLA: about a third faster per step on a
        CPU, but the first step takes 10-20 s longer. Worth it from a few
        hundred iterations on.
    """

    def __init__(self, config: GANConfig | None = None, jit_compile: bool = True):
        quiet_tensorflow()
        import keras  # loads TensorFlow: deferred to the first network built

        self.config = config or GANConfig()
        self.jit_compile = jit_compile
        keras.utils.set_random_seed(self.config.seed)
        self.generator = build_generator(self.config)
        self.critic = build_critic(self.config)
        opt = dict(learning_rate=self.config.learning_rate, beta_1=self.config.beta_1, beta_2=self.config.beta_2)
        self.generator_optimizer = keras.optimizers.Adam(**opt)
        self.critic_optimizer = keras.optimizers.Adam(**opt)
        self._steps = None

    # -- training ---------------------------------------------------------
    def _compile_steps(self):
        tf = quiet_tensorflow()

        gen, critic, cfg = self.generator, self.critic, self.config

        def compose(melody, voices):
            return tf.concat([melody[:, :, None, :], voices], axis=2)

        @tf.function(jit_compile=self.jit_compile, reduce_retracing=True)
        def critic_step(melody, real_voices, noise, mix):
            fake = gen([melody, noise], training=True)
            real, fake = compose(melody, real_voices), compose(melody, fake)
            with tf.GradientTape() as tape:
                mixed = real + mix[:, None, None, None] * (fake - real)
                with tf.GradientTape() as inner:
                    inner.watch(mixed)
                    mixed_score = critic(mixed, training=True)
                grad = inner.gradient(mixed_score, mixed)
                norm = tf.sqrt(tf.reduce_sum(tf.square(grad), axis=[1, 2, 3]) + 1e-12)
                penalty = tf.reduce_mean(tf.square(norm - 1.0))
                distance = tf.reduce_mean(critic(real, training=True)) - tf.reduce_mean(critic(fake, training=True))
                loss = -distance + cfg.gp_weight * penalty
            grads = tape.gradient(loss, critic.trainable_variables)
            self.critic_optimizer.apply(grads, critic.trainable_variables)
            return loss, distance

        @tf.function(jit_compile=self.jit_compile, reduce_retracing=True)
        def generator_step(melody, noise):
            with tf.GradientTape() as tape:
                voices = gen([melody, noise], training=True)
                loss = -tf.reduce_mean(critic(compose(melody, voices), training=True))
                if cfg.key_weight:
                    # Probability each voice gives pitches outside the melody's key, per step.
                    outside = 1.0 - key_masks(melody, cfg.lowest_pitch, cfg.n_pitches)
                    off_key = tf.reduce_sum((voices + 1.0) * 0.5 * outside[:, None, None, :], axis=-1)
                    loss = loss + cfg.key_weight * tf.reduce_mean(off_key)
            grads = tape.gradient(loss, gen.trainable_variables)
            self.generator_optimizer.apply(grads, gen.trainable_variables)
            return loss

        self._steps = (critic_step, generator_step)

    def train_step(self, batches, rng: np.random.Generator) -> dict:
        """One generator update after ``update_ratio`` critic updates.

        Parameters
        ----------
        batches : iterator
            Yields float32 arrays (batch, 4, steps, pitches) in -1/+1, soprano first.
        rng : numpy.random.Generator
            Draws the noise and the real/fake mixing weights.

        Returns
        -------
        dict
            ``critic_loss``, ``generator_loss`` and ``wasserstein`` (the critic's
            estimate of the distance between real and generated music).
        """
        if self._steps is None:
            self._compile_steps()
        critic_step, generator_step = self._steps
        cfg = self.config
        for _ in range(cfg.update_ratio):
            batch = next(batches)
            melody, voices = batch[:, 0], np.transpose(batch[:, 1:], (0, 2, 1, 3))
            noise = self.noise(len(batch), cfg.bars, rng)
            mix = rng.random(len(batch)).astype(np.float32)
            c_loss, distance = critic_step(melody, voices, noise, mix)
        batch = next(batches)
        g_loss = generator_step(batch[:, 0], self.noise(len(batch), cfg.bars, rng))
        return {"critic_loss": float(c_loss), "generator_loss": float(g_loss), "wasserstein": float(distance)}

    def noise(self, n: int, bars: int, rng: np.random.Generator) -> np.ndarray:
        """Standard normal noise, one vector per bar: (n, bars, noise_dim)."""
        return rng.standard_normal((n, bars, self.config.noise_dim)).astype(np.float32)

    # -- generating -------------------------------------------------------
    def generate(self, melody: np.ndarray, seed: int = 0, noise: np.ndarray | None = None) -> np.ndarray:
        """Raw generator output for model-range melodies.

        Parameters
        ----------
        melody : ndarray
            (n, steps, pitches) booleans or -1/+1; steps a multiple of 16.
        seed : int
            Chooses the noise; the same seed gives the same output.

        Returns
        -------
        ndarray
            (n, 3, steps, pitches) float32 in [-1, 1]: alto, tenor, bass.
        """
        melody = np.asarray(melody)
        if melody.dtype == bool:
            melody = melody.astype(np.float32) * 2 - 1
        n, steps = melody.shape[:2]
        if steps % STEPS_PER_BAR:
            raise ValueError(f"a melody of {steps} steps is not a whole number of 4/4 bars (16 steps each)")
        if noise is None:
            noise = self.noise(n, steps // STEPS_PER_BAR, np.random.default_rng(seed))
        out = self.generator([melody.astype(np.float32), noise], training=False)
        return np.transpose(np.asarray(out), (0, 2, 1, 3))

    # -- saving -----------------------------------------------------------
    def save(self, path: str | Path, extra: dict | None = None) -> Path:
        """Write the generator weights (``.weights.h5``) and the config (``.json``) beside them."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.generator.save_weights(str(path.with_suffix("").with_suffix(".weights.h5")))
        info = {"config": self.config.to_dict(), **(extra or {})}
        path.with_suffix("").with_suffix(".json").write_text(json.dumps(info, indent=2))
        return path.with_suffix("").with_suffix(".weights.h5")


def load_generator(path: str | Path) -> ChoraleGAN:
    """A :class:`ChoraleGAN` whose generator carries the weights saved at ``path`` (``name.weights.h5``).

    Raises
    ------
    FileNotFoundError
        With the file that is missing and the command that trains one.
    """
    stem = Path(str(path).replace(".weights.h5", "").replace(".json", ""))
    weights, meta = Path(f"{stem}.weights.h5"), Path(f"{stem}.json")
    for needed in (weights, meta):
        if not needed.exists():
            raise FileNotFoundError(
                f"{needed} is missing; train a model with "
                f"`python -m composerlab.models.gan.training --out {stem}` or use model 'bach'")
    info = json.loads(meta.read_text())
    gan = ChoraleGAN(GANConfig.from_dict(info["config"]))
    gan.generator.load_weights(str(weights))
    gan.info = info
    return gan
