"""The application: the `autograd-engine` command line and everything only it needs.

The one place of `autograd_engine` that may import `nn` and `optim` (the libraries never
import it). `cli` parses the command line and draws graphs (`lecture_graphs`); `commands`
trains, evaluates and samples the models of `recipes` on the `datasets`, into run folders
(`run_folder`) with pictures (`plots`); `export` writes ONNX files; `interrupts` turns
Ctrl-C and SIGTERM into clean stops.
Importing this package is cheap: the modules load when `python -m autograd_engine` runs.
"""
