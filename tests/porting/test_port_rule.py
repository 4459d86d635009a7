"""The porting rule itself: exactly the import lines the README lists change."""

from port import port


def test_rule_rewrites_only_imports():
    script = "\n".join(
        [
            "import torch",
            "import torch.nn as nn",
            "from torch import nn",
            "import torch.nn.functional as F",
            "import torch.optim as optim",
            "from torch.utils.data import DataLoader, TensorDataset",
            "from torch.optim.lr_scheduler import StepLR",
            "x = torch.nn.Linear(2, 3)  # bodies keep torch.X",
            "    import torch",
        ]
    )
    assert port(script).splitlines() == [
        "import autograd_engine as torch",
        "import nn",
        "import nn",
        "import nn.functional as F",
        "import optim",
        "from nn.data import DataLoader, TensorDataset",
        "from optim.lr_scheduler import StepLR",
        "x = torch.nn.Linear(2, 3)  # bodies keep torch.X",
        "    import autograd_engine as torch",
    ]
