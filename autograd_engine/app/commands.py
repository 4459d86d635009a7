"""The `train`, `evaluate` and `sample` subcommands of `autograd-engine` (registered in
`cli.py`, which turns any exception into a one-line error).

`train` writes a run folder: metrics.json (history, test metrics, settings, the data actually
read, versions, seed), model.npz (best checkpoint with the model's config, the settings and
the input standardization), loss.png, graph.svg, and reconstructions.png / samples.png for
the generative models. `evaluate` and `sample` rebuild the model from model.npz alone.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numba
import numpy as np

import autograd_engine as ae
from autograd_engine.viz import draw_graph, recording
from nn import Module, load
from nn.data import Standardize
from nn.models import DenoisingAutoencoder
from nn.models.recurrent import CELLS
from nn.training import save_checkpoint

from . import interrupts, plots
from .datasets import DATASETS, IDX_SETS, IMAGE_SHAPES, Splits, load_splits
from .recipes import (
    ALWAYS_USED,
    MAX_TEXT_SAMPLE,
    OPTIMIZERS,
    RECIPES,
    CharLMRecipe,
    Recipe,
    Settings,
    Training,
    sample_count,
    samples_picture,
)
from .run_folder import RunFolder, atomic_write, record_file, write_json

CHECKPOINT = "model.npz"
MAX_EPOCHS = 100_000
MAX_SEQ_LEN = 1_000  # characters a charlm backpropagates through at once
MAX_WIDTH_SUM = 20_000  # the layer widths of a model: its parameters are at most their sum squared
MAX_SAMPLES = {"images": 1024, "points": 100_000}  # what one picture of `sample` can show


# ----------------------------------------------------------------------------- arguments
def _options(defaults: dict[str, Any]) -> str:
    return " ".join(
        f"--{key.replace('_', '-')} {','.join(map(str, v)) if isinstance(v, tuple) else v}"
        for key, v in defaults.items()
    )


def _defaults_table() -> str:
    lines = ["defaults by model (the seed is 0 for all):"]
    for name, recipe in RECIPES.items():
        options = _options(recipe.defaults) or "(closed form: no training options)"
        lines.append(f"  {name:12} {options}")
        for dataset, overrides in recipe.dataset_defaults.items():
            lines.append(f"  {'':12} on {dataset}: {_options(overrides)}")
    return "\n".join(lines)


def train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _defaults_table()
    parser.add_argument("model", metavar="MODEL", help=f"one of: {', '.join(RECIPES)}")
    parser.add_argument(
        "--dataset", metavar="NAME", help=f"{', '.join(DATASETS)} (default digits; charlm: jargon)"
    )
    _data_root_argument(parser)
    parser.add_argument("--epochs", type=int, help="epochs (perceptron: epoch budget)")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--optimizer", metavar="NAME", help=", ".join(OPTIMIZERS))
    parser.add_argument(
        "--hidden", metavar="N,N,...", help="hidden widths, e.g. 256,128 (lstm: one per layer)"
    )
    parser.add_argument("--latent", type=int, help="code size (autoencoders, VAE, GAN)")
    parser.add_argument("--dropout", type=float, help="dropout probability (mlp)")
    parser.add_argument("--batch-norm", action="store_true", default=None, help="(mlp)")
    parser.add_argument("--noise", help="dae corruption: gaussian or masking")
    parser.add_argument("--noise-level", type=float, help="dae: noise std or masked fraction")
    parser.add_argument("--patience", type=int, help="early stopping after N epochs")
    parser.add_argument("--cell", help="lstm: the recurrent cell, rnn, lstm or gru")
    parser.add_argument(
        "--text", type=_text_file, metavar="FILE", help="charlm: train on this UTF-8 text (.gz too)"
    )
    parser.add_argument("--seq-len", type=int, help="charlm: characters per backprop chunk")
    parser.add_argument("--clip", type=float, help="charlm: gradient norm clipping threshold")
    parser.add_argument("--seed", type=int, help="random seed (default 0)")
    parser.add_argument(
        "--compile",
        action="store_true",
        default=None,
        help="record the training step once and replay it (ae.compile); the same results",
    )
    parser.add_argument("--out", metavar="DIR", help="run folder (default runs/MODEL-NAME-N)")
    parser.add_argument("--force", action="store_true", help="replace an existing run folder")
    _threads_argument(parser)


def evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN_DIR", help="a folder written by `train`")
    _data_root_argument(parser)
    _threads_argument(parser)


def _data_root(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "is empty; give the folder holding the IDX files, or leave the option out"
        )
    return text


def _text_file(text: str) -> str:
    """--text: an existing file, recorded with its absolute path (`evaluate` reads it again)."""
    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(f"{text} does not exist or is not a file")
    return str(Path(text).resolve())


def _data_root_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-root", type=_data_root, metavar="DIR", help="folder holding the IDX files"
    )


def _threads_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        help="threads for the kernels and BLAS (default 1; more helps large batches on idle cores)",
    )


def sample_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN_DIR", help="a VAE, GAN or charlm run folder")
    parser.add_argument(
        "--n",
        type=int,
        help="number of samples (default: an 8x8 grid); charlm: characters (default 500)",
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="PNG to write (default RUN_DIR/samples-S.png); charlm: text (RUN_DIR/samples-S.txt)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--temperature", type=float, help="charlm: softmax temperature (default 0.8)"
    )
    parser.add_argument("--prompt", help="charlm: text the model reads first (default a newline)")
    _data_root_argument(parser)


def _hidden(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(w) for w in text.split(",") if w.strip())
    except ValueError:
        raise ValueError(f"--hidden must be comma-separated integers, got {text!r}") from None
    if any(w < 1 for w in widths):
        raise ValueError(f"--hidden widths must be positive, got {text!r}")
    return widths


def settings_from(args: argparse.Namespace) -> tuple[Recipe, Settings, list[str]]:
    """The recipe, the settings (Settings' defaults, then the model's, then the options) and
    notes naming the given options that this model or dataset ignores."""
    if args.model not in RECIPES:
        raise ValueError(f"unknown model {args.model!r}; choose from {', '.join(RECIPES)}")
    recipe = RECIPES[args.model]
    given = {
        field.name: getattr(args, field.name)
        for field in dataclasses.fields(Settings)
        if getattr(args, field.name, None) is not None
    }
    if "hidden" in given:
        given["hidden"] = _hidden(given["hidden"])
    if "text" in given:
        given.setdefault("dataset", "text")  # the file of --text is the dataset "text"
    dataset = given.get("dataset", recipe.defaults.get("dataset", Settings.dataset))
    settings = Settings(**{**recipe.defaults, **recipe.dataset_defaults.get(dataset, {}), **given})
    _check(settings)
    ignored = [f"--{k.replace('_', '-')}" for k in given if k not in recipe.uses | ALWAYS_USED]
    notes = [f"{args.model} ignores {', '.join(ignored)}"] if ignored else []
    if settings.data_root is not None and settings.dataset not in IDX_SETS:
        notes.append(f"--data-root is ignored: {settings.dataset} is not read from files")
    return recipe, settings, notes


def _check(s: Settings) -> None:
    problems = [
        (s.dataset not in DATASETS, f"unknown dataset {s.dataset!r}; choose from {DATASETS}"),
        (not 0 <= s.epochs <= MAX_EPOCHS, f"--epochs must be in [0, {MAX_EPOCHS}], got {s.epochs}"),
        (s.batch_size < 1, f"--batch-size must be >= 1, got {s.batch_size}"),
        (not (math.isfinite(s.lr) and s.lr > 0), f"--lr must be finite and > 0, got {s.lr}"),
        (s.optimizer not in OPTIMIZERS, f"unknown optimizer {s.optimizer!r}; {OPTIMIZERS}"),
        (s.latent < 1, f"--latent must be >= 1, got {s.latent}"),
        (not 0 <= s.dropout < 1, f"--dropout must be in [0, 1), got {s.dropout}"),
        (s.noise not in DenoisingAutoencoder.NOISES, f"unknown --noise {s.noise!r}"),
        (
            not (math.isfinite(s.noise_level) and s.noise_level >= 0),
            f"--noise-level must be finite and >= 0, got {s.noise_level}",
        ),
        (s.patience is not None and s.patience < 1, f"--patience must be >= 1, got {s.patience}"),
        (s.cell not in CELLS, f"unknown --cell {s.cell!r}; choose from {', '.join(CELLS)}"),
        (s.dataset == "text" and s.text is None, "dataset text needs --text FILE"),
        (
            not 1 <= s.seq_len <= MAX_SEQ_LEN,
            f"--seq-len must be in [1, {MAX_SEQ_LEN}], got {s.seq_len}",
        ),
        (
            not (math.isfinite(s.clip) and s.clip > 0),
            f"--clip must be finite and > 0, got {s.clip}",
        ),
        (
            s.data_root is not None and not Path(s.data_root).is_dir(),
            f"dataset root {s.data_root} does not exist or is not a folder",
        ),
    ]
    for failed, message in problems:
        if failed:
            raise ValueError(message)


def _widths(config: Any) -> list[int]:
    """Every integer of a model config (in_features, hidden widths, sizes, ...)."""
    if isinstance(config, dict):
        return [w for value in config.values() for w in _widths(value)]
    if isinstance(config, list | tuple):
        return [w for value in config for w in _widths(value)]
    return [config] if isinstance(config, int) and not isinstance(config, bool) else []


def check_sizes(config: dict[str, Any], stored: dict[str, Any] | None = None) -> None:
    """Refuse a model config before building it: its widths must add up to at most
    MAX_WIDTH_SUM (which bounds the parameters by its square), and when the config comes with
    `stored` weights (a checkpoint), no width may exceed their largest dimension."""
    widths = _widths(config)
    if sum(widths) > MAX_WIDTH_SUM:
        raise ValueError(
            f"the model's layer widths {widths} add up to {sum(widths)}, more than the "
            f"{MAX_WIDTH_SUM} this command allows; choose smaller --hidden / --latent"
        )
    if stored is not None:
        largest = max((d for a in stored.values() for d in np.shape(a)), default=0)
        if any(w > largest for w in widths):
            raise ValueError(
                f"the checkpoint's config {config} does not match its weights (largest "
                f"dimension {largest}); the file was edited or damaged"
            )


# ----------------------------------------------------------------------------- shared steps
def thread_limit(n: int = 1) -> contextlib.AbstractContextManager[None]:
    """Train and evaluate on n threads, one by default: the small products of these models gain
    little from a second one, and lose a lot when another process holds a core (see
    ae.kernels.limit_threads)."""
    if n < 1:
        raise ValueError(f"--threads must be >= 1, got {n}")
    return ae.kernels.limit_threads(n)


def prepared_splits(
    recipe: Recipe, s: Settings, transform: dict[str, Any] | None = None, root: str | None = None
) -> tuple[Splits, dict[str, Any] | None]:
    """The run's data splits, standardized for the classifiers with the training set's mean
    and std (fitted here, or restored from `transform`); returns the transform's state too."""
    splits = load_splits(s.dataset, root or s.data_root, s.text)
    recipe.check(splits)
    if not recipe.standardize:
        return splits, None
    standardize = Standardize()
    if transform is None:
        standardize.fit(splits.train[0])
    else:
        standardize.load_state_dict(transform)
    for part in ("train", "val", "test"):
        x, y = getattr(splits, part)
        setattr(splits, part, (standardize(x), y))
    return splits, standardize.state_dict()


def restore(folder: str | Path) -> tuple[Recipe, Settings, Module, dict[str, Any]]:
    """The recipe, settings and model (with the checkpoint's weights) of a run folder."""
    path = Path(folder) / CHECKPOINT
    if not path.is_file():
        raise ValueError(f"{folder} is not a run folder (no {CHECKPOINT})")
    checkpoint = load(path)
    try:
        settings = Settings(**checkpoint["settings"])
        recipe = RECIPES[settings.model]
        _check(settings)
        check_sizes(checkpoint["config"], checkpoint["model"])
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{path} is not a checkpoint written by `train`: {e}") from None
    model = recipe.build(checkpoint["config"])
    model.load_state_dict(checkpoint["model"])
    model.eval()
    return recipe, settings, model, checkpoint


def evaluate_on_test(recipe: Recipe, model: Module, splits: Splits, seed: int) -> dict[str, float]:
    """The recipe's test metrics, seeded so that `train` and `evaluate` report the same."""
    ae.manual_seed(seed)
    return recipe.test_metrics(model, splits)


def _draw(recipe: Recipe, model: Module, splits: Splits, path: Path) -> None:
    x = ae.tensor(splits.test[0][:2], dtype=ae.get_default_dtype())
    with recording():
        out = recipe.graph_output(model, x)
    names = {"x": x, "output": out}
    draw_graph(out, names=names, params=model.named_parameters(), **recipe.graph_options).save(path)


def _versions() -> dict[str, str]:
    return {
        "autograd_engine": ae.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
    }


def _epoch_printer(epochs: int) -> Any:
    def show(epoch: int, logs: dict[str, float]) -> None:
        values = "  ".join(f"{k} {v:.4g}" for k, v in logs.items() if k not in ("lr", "time"))
        print(f"epoch {epoch}/{epochs}  {values}  ({logs['time']:.1f} s)", flush=True)

    return show


# ----------------------------------------------------------------------------- train
@dataclasses.dataclass
class _Trained:
    """What training leaves for the wrap-up: the data, the config and the history."""

    splits: Splits
    config: dict[str, Any]
    history: Any
    seconds: float


def _fit(run: RunFolder, recipe: Recipe, s: Settings) -> _Trained:
    """Train into the run folder's checkpoint; Ctrl-C or SIGTERM ends training early."""
    started = time.perf_counter()
    splits, transform = prepared_splits(recipe, s)
    ae.manual_seed(s.seed)
    config = recipe.config(s, splits)
    check_sizes(config)
    model = recipe.build(config)
    extra = {"config": config, "settings": dataclasses.asdict(s), "transform": transform}
    checkpoint = run.path(CHECKPOINT)
    callbacks = () if sys.stdout.isatty() else (_epoch_printer(s.epochs),)
    history = recipe.train(model, splits, s, Training(checkpoint, extra, callbacks))
    if not checkpoint.exists():  # no finished epoch: keep the initial model
        save_checkpoint(checkpoint, model, 0, extra=extra)
    return _Trained(splits, config, history, time.perf_counter() - started)


def _write_results(
    run: RunFolder, recipe: Recipe, s: Settings, t: _Trained, notes: list[str]
) -> dict[str, Any]:
    """Test the best checkpoint and write metrics.json (with `notes` and those of this step)
    and the pictures beside it."""
    started = time.perf_counter()
    _, _, model, saved = restore(run.staging)
    history, splits = t.history, t.splits
    report: dict[str, Any] = {
        "model": s.model,
        "dataset": s.dataset,
        "data_source": t.splits.source,
        "seed": s.seed,
        "settings": dataclasses.asdict(s),
        "config": t.config,
        "data": {part: len(getattr(splits, part)[0]) for part in ("train", "val", "test")},
        "history": dict(history),
        "epochs_run": history.epochs,
        "stop_reason": history.stop_reason,
        "checkpoint_epoch": saved["epoch"],
        "test": evaluate_on_test(recipe, model, splits, s.seed),
        "train_seconds": round(t.seconds, 2),
        "versions": _versions(),
        "notes": list(notes),
    }
    files = [CHECKPOINT]
    if history.epochs:
        plots.curves(history, run.path("loss.png"))
        files.append("loss.png")
    else:
        report["notes"].append("loss.png not written: no training epochs to plot")
    try:
        _draw(recipe, model, splits, run.path("graph.svg"))
        files.append("graph.svg")
    except Exception as e:  # a drawing problem must not lose the run
        run.path("graph.svg").unlink(missing_ok=True)
        report["notes"].append(f"graph.svg not written: {type(e).__name__}: {e}")
    files += recipe.pictures(model, splits, run.staging)
    report["files"] = ["metrics.json", *files]
    report["total_seconds"] = round(t.seconds + time.perf_counter() - started, 2)
    write_json(run.path("metrics.json"), report)
    return report


def train(args: argparse.Namespace) -> int:
    """Train a model and write its run folder. A stop signal during training ends it early and
    keeps the run (the best checkpoint and the history so far); exit code 128 + signal."""
    recipe, s, notes = settings_from(args)
    limit = thread_limit(args.threads)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if args.out:
        run = RunFolder(args.out, force=args.force)
    else:
        run = RunFolder.numbered(f"{s.model}-{s.dataset}")
    try:
        with limit:
            trained = _fit(run, recipe, s)
            with interrupts.shielded():  # from here on a stop signal cannot lose the run
                report = _write_results(run, recipe, s, trained, notes)
                folder = run.publish(report["files"])
    except BaseException:
        with interrupts.shielded():
            run.discard()
        raise
    test = "  ".join(f"{k} {v:.4g}" for k, v in report["test"].items())
    print(f"test: {test}")
    print(f"{report['epochs_run']} epochs in {report['train_seconds']} s; wrote {folder}/")
    if report["stop_reason"] != "completed":
        print(f"stopped: {report['stop_reason']}")
    for note in report["notes"][len(notes) :]:
        print(f"note: {note}")
    stopped_by = interrupts.received()
    if stopped_by is not None:
        print(
            f"interrupted: kept the run in {folder}/ (best checkpoint, history so far)",
            file=sys.stderr,
        )
        return 128 + stopped_by
    return 0


# ----------------------------------------------------------------------------- evaluate, sample
def evaluate(args: argparse.Namespace) -> int:
    """Reload a run's model and print its test metrics."""
    recipe, s, model, checkpoint = restore(args.run)
    with thread_limit(args.threads):
        splits, _ = prepared_splits(recipe, s, checkpoint["transform"], args.data_root)
        metrics = evaluate_on_test(recipe, model, splits, s.seed)
    size = len(splits.test[0])
    print(f"{s.model} on {s.dataset} (epoch {checkpoint['epoch']}), test set of {size}:")
    print(f"  data: {splits.source}")
    for name, value in metrics.items():
        print(f"  {name}: {value:.4f}")
    return 0


def sample(args: argparse.Namespace) -> int:
    """Draw new samples from a VAE or GAN run into a PNG, or from a charlm run into a text."""
    recipe, s, model, checkpoint = restore(args.run)
    if isinstance(recipe, CharLMRecipe):
        return _sample_text(args, model)
    if args.temperature is not None or args.prompt is not None:
        raise ValueError("--temperature and --prompt apply to charlm runs")
    if not hasattr(model, "sample"):
        raise ValueError(
            f"{args.run} is a {s.model} run; sampling needs a vae or gan run (pictures) or "
            "a charlm run (text)"
        )
    limit = MAX_SAMPLES["images" if s.dataset in IMAGE_SHAPES else "points"]
    if args.n is not None and not 1 <= args.n <= limit:
        raise ValueError(f"--n must be in [1, {limit}] for {s.dataset}, got {args.n}")
    out = Path(args.out or Path(args.run) / f"samples-{args.seed}.png")
    if not out.parent.is_dir():
        raise ValueError(f"cannot write {out}: folder {out.parent} does not exist")
    splits, _ = prepared_splits(recipe, s, checkpoint["transform"], args.data_root)
    ae.manual_seed(args.seed)
    samples_picture(model, splits, out, args.n or sample_count(splits))
    if out.parent.resolve() == Path(args.run).resolve():
        record_file(args.run, out.name)  # so that `train --force` may replace it
    print(f"wrote {out}")
    return 0


def _sample_text(args: argparse.Namespace, model: Any) -> int:
    """Draw --n characters from a charlm run into a text file, and show them."""
    n = 500 if args.n is None else args.n
    if not 1 <= n <= MAX_TEXT_SAMPLE:
        raise ValueError(f"--n must be in [1, {MAX_TEXT_SAMPLE}] characters, got {n}")
    temperature = 0.8 if args.temperature is None else args.temperature
    if not (math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"--temperature must be finite and > 0, got {temperature}")
    out = Path(args.out or Path(args.run) / f"samples-{args.seed}.txt")
    if not out.parent.is_dir():
        raise ValueError(f"cannot write {out}: folder {out.parent} does not exist")
    ae.manual_seed(args.seed)
    text = model.sample(n, prompt=args.prompt, temperature=temperature)
    atomic_write(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    if out.parent.resolve() == Path(args.run).resolve():
        record_file(args.run, out.name)  # so that `train --force` may replace it
    print(text)
    print(f"wrote {out}", file=sys.stderr)
    return 0
