"""Entry point of the `hrkeras` command."""
import argparse
import os
import sys

from hrkeras.cli import convert, evaluate, import_weights, predict, train, verify


def _models(args):
    from hrkeras.cli.models_table import print_table

    print_table(only=args.only or None, out=lambda line: print(line, flush=True))
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="hrkeras", description="HRNet / Lite-HRNet in Keras 3.")
    sub = parser.add_subparsers(dest="command", required=True)
    models = sub.add_parser("models", help="list every variant with params and MACs beside the published figures")
    models.add_argument("--only", nargs="*", metavar="NAME", help="restrict to these variants")
    models.set_defaults(func=_models)
    for command in (train, evaluate, predict, convert, verify, import_weights):
        command.add_parser(sub)
    return parser


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
