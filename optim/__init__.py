"""Optimizers and learning-rate schedules with torch.optim's names and semantics.

>>> import optim
>>> opt = optim.Adam(model.parameters(), lr=1e-3)  # doctest: +SKIP
>>> sched = optim.lr_scheduler.StepLR(opt, step_size=10)  # doctest: +SKIP
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .lbfgs import LBFGS
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
    "Optimizer",
    "RMSprop",
    "lr_scheduler",
]
