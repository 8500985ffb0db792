"""What every fuzz target shares: run a check of one input under atheris (coverage-guided).

A target is a script `tests/fuzz/fuzz_<name>.py` that imports the reader inside
`atheris.instrument_imports(include=[...])` (coverage of those packages guides the fuzzer) and calls
`fuzz(check, documented)`: check(data: bytes) feeds the bytes to the reader; raising one of
`documented` (the reader's documented error types) is a correct answer to bad input, anything else
(another exception, a crash, a hang, a memory blow-up) is a finding. Run it as

    python tests/fuzz/fuzz_<name>.py NEW_DIR tests/fuzz/corpus/<name> -max_total_time=30

(libFuzzer's arguments; tests/test_fuzz.py does so, bounded in time, with the committed corpus).
"""
import os
import sys
import tempfile


def scratch_file(suffix):
    """A path in memory-backed storage (/dev/shm where present) for readers that take a path."""
    folder = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    return os.path.join(folder, f"hrkeras_fuzz_{os.getpid()}{suffix}")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def fuzz(check, documented):
    """Fuzz `check` (bytes -> anything) with atheris; exceptions of the `documented` types are answers."""
    import atheris

    def one_input(data):
        try:
            check(data)
        except documented:
            pass

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


def fuzz_checkpoint_reader(suffix):
    """The checkpoint targets: the bytes as a `suffix` file -> read_state_dict, which may only raise
    CheckpointFormatError (each target's corpus holds files of its own format)."""
    import atheris

    with atheris.instrument_imports(include=["hrkeras.checkpoints"]):
        from hrkeras.checkpoints import read_state_dict
        from hrkeras.errors import CheckpointFormatError
    path = scratch_file(suffix)
    fuzz(lambda data: read_state_dict(write(path, data)), CheckpointFormatError)
