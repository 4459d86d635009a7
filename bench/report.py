"""Section results (a table, targets, notes, a plot, a profile) and their Markdown rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Target:
    """A goal from the issue next to the figure measured for it."""

    what: str
    goal: str
    measured: str
    met: bool

    @classmethod
    def at_least(cls, what: str, value: float, goal: float, unit: str = "x") -> Target:
        return cls(what, f">= {goal:g}{unit}", f"{value:.2f}{unit}", value >= goal)

    @classmethod
    def at_most(cls, what: str, value: float, goal: float, unit: str) -> Target:
        return cls(what, f"<= {goal:g} {unit}", f"{value:.3g} {unit}", value <= goal)


@dataclass
class Section:
    """What one section measured, ready to be written as Markdown."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[str]]
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plot: Path | None = None
    profile: str | None = None
    seconds: float = 0.0

    @property
    def missed(self) -> list[Target]:
        return [t for t in self.targets if not t.met]


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render_section(section: Section, out_dir: Path) -> str:
    parts = [f"## {section.title}", "", table(section.headers, section.rows)]
    if section.targets:
        rows = [
            [t.what, t.goal, t.measured, "met" if t.met else "**missed**"] for t in section.targets
        ]
        parts += ["", "Targets:", "", table(["target", "goal", "measured", ""], rows)]
    if section.notes:
        parts += ["", *[f"- {note}" for note in section.notes]]
    if section.plot is not None:
        rel = (
            section.plot.relative_to(out_dir)
            if section.plot.is_relative_to(out_dir)
            else section.plot
        )
        parts += ["", f"![{section.title}]({rel.as_posix()})"]
    if section.profile:
        parts += [
            "",
            "Where the engine's time goes (cProfile of the engine case):",
            "",
            section.profile,
        ]
    parts.append(f"\n_Section time: {section.seconds:.1f} s._")
    return "\n".join(parts)


def render(header: str, sections: list[Section], out_dir: Path) -> str:
    """The whole RESULTS.md: the header, a summary of targets, then one part per section."""
    targets = [(s, t) for s in sections for t in s.targets]
    met = sum(t.met for _, t in targets)
    summary = [
        [s.name, t.what, t.goal, t.measured, "met" if t.met else "**missed**"] for s, t in targets
    ]
    parts = [
        header,
        f"## Targets: {met} of {len(targets)} met\n\n"
        + table(["section", "target", "goal", "measured", ""], summary),
        *[render_section(s, out_dir) for s in sections],
    ]
    return "\n\n".join(parts) + "\n"


def us(seconds: float) -> str:
    """Seconds as microseconds with three significant digits."""
    return f"{seconds * 1e6:,.3g}" if seconds < 1e-3 else f"{seconds * 1e6:,.0f}"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f}"


def times(ratio: float) -> str:
    return f"{ratio:.2f}x"
