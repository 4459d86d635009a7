"""The `autograd-engine` command line: one small function per subcommand, in one table.

Every subcommand is a `Command` in `COMMANDS`: a help line, a function adding its arguments,
and a function running it. Errors end as one line on stderr and a non-zero exit code, never a
traceback; a stop signal (Ctrl-C, SIGTERM) ends a command with exit code 128 + signal.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from ..creation import randn, tensor
from ..dtypes import float64, get_default_dtype
from ..random import manual_seed
from ..tensor import Tensor
from ..viz import DIRECTIONS, DrawingError, draw_backward, draw_graph, recording
from . import commands as jobs
from . import export, interrupts, lecture_graphs


@dataclass(frozen=True)
class Command:
    """A subcommand: `add_arguments(parser)` declares its options, `run(args)` returns the
    exit code."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


# ---------------------------------------------------------------------------- graph
def _graph_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "name",
        metavar="NAME",
        help=f"a lecture graph ({', '.join(lecture_graphs.GRAPHS)}), a run folder written by "
        "`train`, or module:attribute of a model or of a function returning (model, "
        "example_input)",
    )
    parser.add_argument("--out", required=True, help="output file: .svg, .png, .pdf or .dot")
    parser.add_argument(
        "--direction",
        choices=DIRECTIONS,
        help="layout direction (default: TB for the backward pass, LR for the forward graph)",
    )
    parser.add_argument(
        "--show-grads",
        action="store_true",
        help="run backward() and draw the forward graph with each .grad",
    )
    passes = parser.add_mutually_exclusive_group()
    passes.add_argument(
        "--backward", dest="backward", action="store_true", default=None, help="draw backprop"
    )
    passes.add_argument(
        "--forward", dest="backward", action="store_false", help="draw the forward graph only"
    )


def _load(path: str) -> Any:
    """The object named by "package.module:attribute.subattribute"."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise DrawingError(f"expected module:attribute, got {path!r}")
    obj: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    return obj


def _example_input(model: Any) -> Tensor:
    """What to feed a bare model: its `example_input`, else a batch of 2 rows sized by the
    first module that declares `in_features`, in the dtype of its weight (modules refuse
    inputs of another float dtype)."""
    example = getattr(model, "example_input", None)
    if example is not None:
        return example() if callable(example) else example
    for module in model.modules() if hasattr(model, "modules") else [model]:
        size = getattr(module, "in_features", None)
        if isinstance(size, int):
            manual_seed(0)
            weight = getattr(module, "weight", None)
            return randn(2, size, dtype=float64 if weight is None else weight.dtype)
    raise DrawingError(
        "cannot guess an input for this model; give it an `example_input` attribute or name a "
        "function returning (model, example_input)"
    )


def _run_model(folder: str) -> tuple[Any, Tensor, Callable[[Tensor], Any], dict[str, Any]]:
    """A run folder's model, two of its test inputs, and what train's graph.svg draws (the
    function and the drawing options)."""
    recipe, s, model, checkpoint = jobs.restore(folder)
    splits, _ = jobs.prepared_splits(recipe, s, checkpoint.get("transform"))
    x = tensor(splits.test[0][:2], dtype=get_default_dtype())
    return model, x, lambda x: recipe.graph_output(model, x), recipe.graph_options


def _model_drawing(args: argparse.Namespace) -> Any:
    if Path(args.name).is_dir():
        model, x, forward, drawing = _run_model(args.name)
    else:
        obj = _load(args.name)
        if hasattr(obj, "named_parameters"):
            model, x = obj, _example_input(obj)
        elif callable(obj):
            model, x = obj()
        else:
            raise DrawingError(f"{args.name} is neither a model nor a function returning one")
        forward, drawing = model, {}
    with recording():
        out = forward(x)
    if not isinstance(out, Tensor):
        raise DrawingError(f"the model returned a {type(out).__name__}, not a Tensor")
    options = {
        "names": {"x": x, "output": out},
        "params": list(model.named_parameters()),
        "direction": args.direction,
        **drawing,
    }
    if args.backward:
        return draw_backward(out if out.numel() == 1 else out.sum(), **options)
    if args.show_grads:
        if out.numel() != 1:
            raise DrawingError(
                "--show-grads needs a model that returns a single number (a loss); this one "
                f"returns shape {tuple(out.shape)}"
            )
        out.backward(retain_graph=True)
    return draw_graph(out, show_grads=args.show_grads, **options)


def _graph(args: argparse.Namespace) -> int:
    if ":" in args.name or Path(args.name).is_dir():
        drawing = _model_drawing(args)
    else:
        drawing = lecture_graphs.draw(
            args.name,
            direction=args.direction,
            backward=args.backward,
            show_grads=args.show_grads or None,
        )
    drawing.save(args.out)
    print(f"wrote {args.out}")
    return 0


def _bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Runs python -m bench in the root of a source checkout. Every other option goes to the "
        "suite: --quick, --section NAME, --threads N, --out FILE (see python -m bench --help)."
    )


def _bench(args: argparse.Namespace) -> int:
    """`python -m bench OPTIONS` in the current folder: the suite is part of a source checkout,
    not of the installed package."""
    if not Path("bench", "__main__.py").is_file():
        raise FileNotFoundError(
            f"no benchmark suite in {Path.cwd()}; it ships with the source checkout: run "
            "`autograd-engine bench` or `python -m bench` in the checkout's root"
        )
    return subprocess.run([sys.executable, "-m", "bench", *args.options], check=False).returncode


COMMANDS: dict[str, Command] = {
    "graph": Command("draw a lecture graph or a model", _graph_arguments, _graph),
    "train": Command("train a model, write a run folder", jobs.train_arguments, jobs.train),
    "evaluate": Command("report a run's test metrics", jobs.evaluate_arguments, jobs.evaluate),
    "sample": Command(
        "draw samples from a VAE, GAN or charlm run", jobs.sample_arguments, jobs.sample
    ),
    "export": Command("export a run's model to ONNX", export.arguments, export.export),
    "bench": Command("run the benchmark suite (python -m bench)", _bench_arguments, _bench),
}


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line (the full usage stays in --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    """The argument parser with one subparser per entry of `COMMANDS`."""
    top = _Parser(prog="autograd-engine", description="Reverse-mode autodiff engine for teaching.")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        command.add_arguments(sub.add_parser(name, help=command.help, description=command.help))
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; any error becomes one line on stderr and exit code 1, a stop
    signal (Ctrl-C, SIGTERM) exit code 128 + signal."""
    top = parser()
    args, extra = top.parse_known_args(argv)
    if extra and args.command != "bench":  # only the suite takes options of its own
        top.error(f"unrecognized arguments: {' '.join(extra)}")
    args.options = extra
    with interrupts.handled():
        try:
            return COMMANDS[args.command].run(args)
        except KeyboardInterrupt:
            print(f"autograd-engine {args.command}: interrupted", file=sys.stderr)
            return 128 + (interrupts.received() or signal.SIGINT)
        except Exception as exc:  # the command line reports, it does not crash
            print(f"autograd-engine {args.command}: error: {exc}", file=sys.stderr)
            return 1
