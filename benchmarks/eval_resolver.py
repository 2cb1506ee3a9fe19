"""Evaluation: precision and recall of the name resolver's automatic links.

The labelled set is built from the registries' own synonyms, a share held out of the
resolver's alias table, plus the names of bodies the 2022 dataset adds by hand (not in the
registry: any link of one is false). See ``survey/landscape/evaluation.py``.

Run: ``python benchmarks/eval_resolver.py [--holdout 0.3] [--auto-link 90]
[--review-floor 75] [--errors]``
"""

from __future__ import annotations

import argparse

from survey.landscape.evaluation import evaluate_resolver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdout", type=float, default=0.3,
                        help="share of each body's synonyms held out (default 0.3)")
    parser.add_argument("--auto-link", type=float, default=None,
                        help="auto-link threshold (default: the resolver_auto_link setting)")
    parser.add_argument("--review-floor", type=float, default=None,
                        help="review floor (default: the resolver_review_floor setting)")
    parser.add_argument("--errors", action="store_true", help="list the wrong links")
    args = parser.parse_args()
    report = evaluate_resolver(args.holdout, auto_link=args.auto_link,
                               review_floor=args.review_floor)
    for line in report.lines():
        print(line)
    if args.errors:
        for text, expected, got in report.errors:
            print(f"  {text!r}: expected {expected}, linked to {got}")


if __name__ == "__main__":
    main()
