"""Real signals to a real `train` process: Ctrl-C (SIGINT) and SIGTERM stop training cleanly,
keep the run, print no traceback and leave no staging folder, even when repeated during the
wrap-up; what SIGKILL leaves behind is removed by the next run or save."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import nn

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
TRAIN = [sys.executable, "-m", "autograd_engine", "train", "mlp", "--epochs", "500"]


def _start(cwd, *args):
    process = subprocess.Popen(
        [*TRAIN, *args], cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _watchdog(process)
    return process


def _watchdog(process):
    """Kill a hung process after two minutes: it fails its test instead of the suite."""
    timer = threading.Timer(120, process.kill)
    timer.daemon = True
    timer.start()


def _wait_for_epoch(process, epoch):
    for line in process.stdout:
        if line.startswith(f"epoch {epoch}/"):
            return
    raise AssertionError(f"train ended before epoch {epoch}: {process.stderr.read()}")


def _finish(process):
    out, err = process.communicate(timeout=120)
    assert "Traceback" not in err, err
    return out, err


def _leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def _kept_run(folder):
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["stop_reason"] == "interrupted"
    assert metrics["epochs_run"] >= 2
    assert nn.load(folder / "model.npz")["epoch"] >= 1
    return metrics


def test_ctrl_c_during_training_keeps_the_run(tmp_path):
    process = _start(tmp_path, "--out", "run")
    _wait_for_epoch(process, 2)
    process.send_signal(signal.SIGINT)
    out, err = _finish(process)
    assert process.returncode == 128 + signal.SIGINT
    assert "interrupted: kept the run in run/" in err and "stopped: interrupted" in out
    _kept_run(tmp_path / "run")
    assert _leftovers(tmp_path) == []


def test_sigterm_stops_like_ctrl_c(tmp_path):
    process = _start(tmp_path, "--out", "run")
    _wait_for_epoch(process, 2)
    process.terminate()
    _finish(process)
    assert process.returncode == 128 + signal.SIGTERM
    _kept_run(tmp_path / "run")
    assert _leftovers(tmp_path) == []


def test_more_signals_during_the_wrap_up_do_not_drop_the_run(tmp_path):
    process = _start(tmp_path, "--out", "run")
    _wait_for_epoch(process, 2)
    process.send_signal(signal.SIGINT)
    for sig in [signal.SIGINT, signal.SIGTERM, signal.SIGINT] * 5:
        time.sleep(0.05)
        if process.poll() is None:
            process.send_signal(sig)
    _finish(process)
    assert process.returncode == 128 + signal.SIGINT
    _kept_run(tmp_path / "run")
    assert _leftovers(tmp_path) == []


def test_ctrl_c_while_loading_ends_quietly(tmp_path):
    """Stopped while the command line loads its modules (`-X importtime` tells when `nn` is
    being imported): exit code 130, no traceback, no run folder, no staging."""
    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", *TRAIN[1:], "--out", "run"],
        cwd=tmp_path,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _watchdog(process)
    for line in process.stderr:
        if line.rstrip().endswith(" nn.parameter"):  # nn is loading, under the handler
            break
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert "Traceback" not in err and "autograd-engine: interrupted" in err
    assert process.returncode == 128 + signal.SIGINT
    assert list(tmp_path.iterdir()) == []


def test_what_sigkill_leaves_is_removed_by_the_next_run(tmp_path):
    process = _start(tmp_path, "--out", "run")
    _wait_for_epoch(process, 2)
    process.kill()
    process.communicate(timeout=60)
    assert _leftovers(tmp_path) and (tmp_path / "run").is_dir()  # staging and the claim
    done = subprocess.run(
        [*TRAIN[:4], "lda", "--out", "other"], cwd=tmp_path, env=ENV, capture_output=True
    )
    assert done.returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other"]


def test_saves_killed_midway_leave_nothing_after_the_next_save(tmp_path):
    """A checkpoint save killed by SIGKILL leaves its temporary file; the next save removes
    it (instead of piling up one per killed save)."""
    writer = (
        "import numpy as np, nn\n"
        "w = np.ones(20_000_000, dtype=np.float32)\n"
        "print('ready', flush=True)\n"
        "while True:\n"
        "    nn.save({'w': w}, 'big.npz')\n"
    )
    for _ in range(5):
        process = subprocess.Popen(
            [sys.executable, "-c", writer], cwd=tmp_path, env=ENV, stdout=subprocess.PIPE
        )
        process.stdout.readline()
        time.sleep(0.5)
        process.kill()
        process.wait()
        if _leftovers(tmp_path):
            break
    assert _leftovers(tmp_path), "no save was killed midway"
    nn.save({"w": np.zeros(3)}, tmp_path / "big.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.npz"]


def _launcher_stopped_early(tmp_path, sig, delay):
    """Start the console script's launcher (as the installed `autograd-engine` script calls
    it), send `sig` `delay` seconds after the launcher is imported, while the engine loads."""
    script = "import sys, autograd_engine_launcher as l; sys.exit(l.main(sys.argv[1:]))"
    err_path = tmp_path / f"stderr-{sig}-{delay}"
    with err_path.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-X", "importtime", "-c", script, *TRAIN[3:], "--out", "run"],
            cwd=tmp_path,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        _watchdog(process)
        # Python's own start-up (before any of our code runs) is not ours to handle
        while "| autograd_engine_launcher\n" not in err_path.read_text():
            assert process.poll() is None, err_path.read_text()
            time.sleep(0.002)
        time.sleep(delay)
        process.send_signal(sig)
        process.wait(timeout=120)
    text = err_path.read_text()
    assert "Traceback" not in text, text
    assert "autograd-engine: interrupted" in text
    return process.returncode


def test_ctrl_c_while_the_engine_loads_ends_quietly(tmp_path):
    """The script's launcher handles stop signals before `import autograd_engine` (Numba
    loading): Ctrl-C or SIGTERM in the first instants exits 130 / 143 without a traceback."""
    for delay in (0.0, 0.05, 0.1, 0.2, 0.3):
        assert _launcher_stopped_early(tmp_path, signal.SIGINT, delay) == 128 + signal.SIGINT
    assert _launcher_stopped_early(tmp_path, signal.SIGTERM, 0.1) == 128 + signal.SIGTERM
    assert not (tmp_path / "run").exists()


def test_the_console_script_is_the_light_launcher():
    """The `autograd-engine` script enters through the launcher, which loads no engine module
    before it has installed its signal handlers."""
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["autograd-engine"] == "autograd_engine_launcher:main"
    code = (
        "import sys, autograd_engine_launcher; "
        "print(sorted(m for m in sys.modules if m.startswith(('autograd_engine.', 'numpy'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=ENV, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_a_signal_inside_a_destructor_is_delivered_again(capfd):
    """Python drops an exception raised in `__del__` (printing "Exception ignored"); the first
    stop signal arriving there (a tqdm bar collected between epochs did it) must still stop."""
    from autograd_engine.app import interrupts

    class SignalledWhileCollected:
        def __del__(self):
            signal.raise_signal(signal.SIGTERM)  # the handler runs here, inside __del__

    stopped = False
    with interrupts.handled():
        try:
            SignalledWhileCollected()  # collected at once: the signal arrives in its __del__
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                time.sleep(0.001)
        except KeyboardInterrupt:
            stopped = True
        assert interrupts.received() == signal.SIGTERM
    assert stopped, "the dropped KeyboardInterrupt was not delivered again"
    assert "Exception ignored" not in capfd.readouterr().err


def test_an_interrupt_a_library_swallowed_while_loading_still_stops(monkeypatch, capsys):
    """A stop signal whose KeyboardInterrupt a library caught during the engine's import (PIL
    takes an interrupted plugin import for an ImportError) still ends the launcher with
    128 + signal instead of starting the command."""
    import types

    import autograd_engine_launcher as launcher

    started = []
    fake = types.ModuleType("autograd_engine.__main__")
    fake.main = lambda argv: started.append(argv) or 0
    monkeypatch.setitem(sys.modules, "autograd_engine.__main__", fake)
    monkeypatch.setattr(launcher.signal, "signal", lambda *args: None)  # keep pytest's
    monkeypatch.setattr(launcher, "_received", [signal.SIGINT])  # noted, then swallowed

    def exit_now(code):
        raise SystemExit(code)

    monkeypatch.setattr(launcher.os, "_exit", exit_now)
    with pytest.raises(SystemExit) as stopped:
        launcher.main(["train", "mlp"])
    assert stopped.value.code == 128 + signal.SIGINT and not started
    assert "autograd-engine: interrupted" in capsys.readouterr().err
