"""Entry point of the `hrkeras` command.

Errors print as one line, `hrkeras <command>: error: <what> (<file>); <fix>`, with exit status 1;
`--debug` (or HRKERAS_DEBUG=1) shows the traceback instead. TensorFlow's C++ start-up notices are held back
when `hrkeras` is imported (hrkeras/utils/tf_startup.py); HRKERAS_DEBUG=1 shows them too.
"""
import argparse
import sys

from hrkeras.cli import convert, demo, evaluate, import_weights, predict, search, train, verify
from hrkeras.cli.args import Parser
from hrkeras.errors import HrkerasError
from hrkeras.utils.atomic import is_no_space
from hrkeras.utils.tf_startup import debug_requested

DEBUG_HELP = ("show the Python traceback of an error (or set HRKERAS_DEBUG=1, which also shows TensorFlow's "
              "start-up log)")


def _models(args):
    from hrkeras.cli.models_table import print_table

    print_table(only=args.only or None, out=lambda line: print(line, flush=True))
    return 0


def build_parser():
    parser = Parser(prog="hrkeras", description="HRNet / Lite-HRNet in Keras 3.")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    models = sub.add_parser("models", help="list every variant with params and MACs beside the published figures")
    models.add_argument("--only", nargs="*", metavar="NAME", help="restrict to these variants")
    models.set_defaults(func=_models)
    for command in (train, search, evaluate, predict, convert, verify, import_weights, demo):
        command.add_parser(sub)
    for command_parser in sub.choices.values():  # --debug after the command too; absent, the top level's counts
        command_parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    return parser


def describe_error(err):
    """One line (then any detail lines the error carries) saying what went wrong and what to do."""
    if isinstance(err, HrkerasError):
        return str(err)
    if is_no_space(err):
        return (f"no space left on the device ({err.filename or 'while writing'}); "
                "free space and run the command again (files written before are intact)")
    if isinstance(err, OSError) and err.strerror and err.filename:
        return f"{err.strerror.lower()} ({err.filename})"
    if isinstance(err, (ValueError, OSError, KeyError)):
        return str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
    return (f"internal error {type(err).__name__}: {err}; run it again with --debug for the traceback, "
            "and report it with that traceback")


def main(argv=None):
    """Run the command line `argv` (default sys.argv[1:]); returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help, or a parse error already printed
        return done.code
    if args.debug or debug_requested():
        return args.func(args)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"hrkeras {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001: every error becomes the one-line form
        print(f"hrkeras {args.command}: error: {describe_error(err)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
