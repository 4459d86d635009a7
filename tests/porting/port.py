"""The README's porting rule, applied to a script's text: only its import lines change."""

from __future__ import annotations

import re

# (pattern of a whole import line, its replacement), in the README's order
RULE = [
    (r"import torch\.nn\.functional as F", "import nn.functional as F"),
    (r"import torch\.nn as nn", "import nn"),
    (r"from torch import nn", "import nn"),
    (r"import torch\.optim as optim", "import optim"),
    (r"from torch\.utils\.data import (.+)", r"from nn.data import \1"),
    (r"from torch\.optim\.lr_scheduler import (.+)", r"from optim.lr_scheduler import \1"),
    (r"import torch", "import autograd_engine as torch"),
]


def port(source: str) -> str:
    """`source` with every import line rewritten by the rule; nothing else changes."""
    lines = []
    for line in source.splitlines():
        code = line.lstrip()
        indent = line[: len(line) - len(code)]
        for pattern, replacement in RULE:
            if re.fullmatch(pattern, code.rstrip()):
                line = indent + re.sub(pattern, replacement, code.rstrip())
                break
        lines.append(line)
    return "\n".join(lines) + "\n"
