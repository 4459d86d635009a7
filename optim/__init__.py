"""Optimizers and learning-rate schedules with torch.optim's names and semantics.

>>> import optim
>>> opt = optim.Adam(model.parameters(), lr=1e-3)  # doctest: +SKIP
>>> sched = optim.lr_scheduler.StepLR(opt, step_size=10)  # doctest: +SKIP

The schedules and L-BFGS load on first use.
"""

from autograd_engine import lazy

from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adam_variants import Adamax, NAdam, RAdam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "lr_scheduler",
]

__getattr__, __dir__ = lazy.exports(__name__, {".lbfgs": ("LBFGS",), ".lr_scheduler": ()})
