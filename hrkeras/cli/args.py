"""Argument parsing shared by the subcommands: one-line errors and checked value types.

Every error the CLI prints has one form, `hrkeras <command>: error: <what> (<file>); <fix>`, and exit
status 1; bad values are refused while parsing, before anything is loaded.
"""
import argparse

from hrkeras.errors import UsageError


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors that point to --help (subparsers inherit the class)."""

    def error(self, message):
        self.exit(1, f"{self.prog}: error: {message}; see '{self.prog} --help'\n")


def add_command(sub, examples, name, **kwargs):
    """A subcommand's parser whose --help ends with `examples` (kept as written)."""
    return sub.add_parser(name, epilog=examples, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)


def _number(kind, text, minimum, inclusive):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}")
    if value != value or value < minimum or (value == minimum and not inclusive):  # NaN fails the first test
        bound = f"at least {minimum:g}" if inclusive else f"above {minimum:g}"
        raise argparse.ArgumentTypeError(f"must be {bound}, got {text}")
    return value


def positive_int(text):
    """An int > 0 (epochs, batch sizes, counts)."""
    return _number(int, text, 0, inclusive=False)


def non_negative_int(text):
    """An int >= 0."""
    return _number(int, text, 0, inclusive=True)


def positive_float(text):
    """A finite float > 0 (learning rates)."""
    value = _number(float, text, 0.0, inclusive=False)
    if value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be finite, got {text}")
    return value


def macs_count(text):
    """A number of multiply-adds, plain or with a K / M / G suffix (150M = 150e6)."""
    scale = {"K": 1e3, "M": 1e6, "G": 1e9}.get(text[-1:].upper(), 1.0)
    try:
        value = positive_float(text[:-1] if scale != 1.0 else text) * scale
    except argparse.ArgumentTypeError as err:
        raise argparse.ArgumentTypeError(f"{err} (a MACs count such as 150M or 1.2G)") from None
    return value


def image_side(text):
    """An image height or width in pixels: a positive multiple of 32 (the backbones downsample by 32)."""
    value = positive_int(text)
    if value % 32:
        raise argparse.ArgumentTypeError(f"must be a multiple of 32 (the backbones downsample by 32), got "
                                         f"{value}; e.g. {-(-value // 32) * 32}")
    return value


def score(text):
    """A keypoint score threshold in [0, 1]."""
    value = _number(float, text, 0.0, inclusive=True)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def refuse(args, reason, *options):
    """UsageError if any of `options` (attribute names) was given: they do not apply, for `reason`."""
    given = [f"--{name.replace('_', '-')}" for name in options if getattr(args, name) not in (None, False)]
    if given:
        raise UsageError(f"{' and '.join(given)} {'does' if len(given) == 1 else 'do'} not apply {reason}",
                         fix=f"drop {' '.join(given)}")
