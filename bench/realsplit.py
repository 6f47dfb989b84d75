"""A fixed tune/holdout split of a folder of real labelled documents.

    python -m bench.realsplit ../shared/samples/receipts-more /tmp/rm

writes /tmp/rm/tune and /tmp/rm/holdout, symbolic links to the labelled documents (and their
`.gt.json`). The rule: sort the labelled documents by file name; every fourth one, from position
3 (3, 7, 11, ...), is never tuned on, the others are for tuning. Rules and the confidence model
are tuned on `tune` only; `holdout` is scored, untouched, at the end. (Until session 12 the
split was even/odd; the positions 1, 5, 9, ... then moved to tuning, because the model needed
more real wrong values to learn from than half of the documents gave it.)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from streams.evaluation import load_cases

SPLITS = ("tune", "holdout")


def split_of(position: int) -> str:
    """The split of the document at `position` in the name-sorted list of labelled documents."""
    return "holdout" if position % 4 == 3 else "tune"


def write_split(src: Path, out: Path) -> dict[str, list[Path]]:
    """Link each labelled document of `src` (and its ground truth) into out/tune or out/holdout."""
    made: dict[str, list[Path]] = {name: [] for name in SPLITS}
    cases = sorted(load_cases(src), key=lambda case: case[0].name)
    for position, (path, _) in enumerate(cases):
        folder = out / split_of(position)
        folder.mkdir(parents=True, exist_ok=True)
        for source in (path, path.with_name(path.name + ".gt.json")):
            link = folder / source.name
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(source.resolve())
        made[split_of(position)].append(folder / path.name)
    return made


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    write_split(args.src, args.out)


if __name__ == "__main__":
    main()
