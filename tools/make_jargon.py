"""Build nn/data/files/jargon.txt, the character-level language model's default text, from
Debian's `jargon-text` package (the Jargon File 4.4.7, in the public domain).

Developer tool: `apt-get install jargon-text` (or `apt-get download jargon-text` and
`dpkg-deb -x` it, then pass --source), then run `python tools/make_jargon.py`. It keeps the
lexicon's entries from the first one (":abbrev:") on, in order, without the per-letter tables
of contents, with the file's 3-space left margin removed, and stops before the entry that
would take the excerpt past --size characters. See nn/data/files/JARGON_LICENSE.txt.
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

SOURCE = Path("/usr/share/doc/jargon-text/jargon.txt.gz")
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "nn" / "data" / "files" / "jargon.txt"


def entries(text: str) -> list[str]:
    """The lexicon's entries, each its paragraphs joined by blank lines, margin removed."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    start = next(i for i, p in enumerate(paragraphs) if p.strip().startswith(":abbrev:"))
    found: list[str] = []
    in_contents = False  # a letter's heading ("  B") is followed by a list of its entry names
    for paragraph in paragraphs[start:]:
        head = paragraph.strip()
        if head.startswith("Appendix A."):
            break
        if len(head) == 1 and head.isupper():
            in_contents = True
        elif head.startswith(":"):
            in_contents = False
            found.append("")
        if not in_contents and found:
            lines = [line.removeprefix("   ") for line in paragraph.splitlines()]
            found[-1] += ("\n\n" if found[-1] else "") + "\n".join(lines).strip("\n")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="jargon.txt[.gz]")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--size", type=int, default=300_000, help="characters at most")
    args = parser.parse_args()
    opener = gzip.open if args.source.suffix == ".gz" else open
    with opener(args.source, "rt", encoding="utf-8") as f:
        text = f.read()
    kept: list[str] = []
    length = 0
    for entry in entries(text):
        if length + len(entry) + 2 > args.size:
            break
        kept.append(entry)
        length += len(entry) + 2
    args.out.write_text("\n\n".join(kept) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(kept)} entries, {length} characters")


if __name__ == "__main__":
    main()
