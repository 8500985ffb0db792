"""Keras files serialized in memory, then written atomically (hrkeras.utils.atomic).

h5py writing straight to a full disk prints an error per block and can crash the process; built in
memory, a model file reaches the disk in one plain write that fails cleanly (DiskFullError).
"""
import io

from keras.src.saving import saving_lib  # the file-object entry points behind model.save / save_weights

from hrkeras.utils.atomic import write_bytes


class _WeightsBuffer(io.BytesIO):
    """An in-memory file that Keras takes for a `.weights.h5` path (it checks the name's suffix)."""

    def __str__(self):
        return "in-memory.weights.h5"


def save_model(model, path):
    """`model.save(path)` (.keras) written atomically."""
    buffer = io.BytesIO()
    saving_lib.save_model(model, buffer)
    write_bytes(path, buffer.getvalue())


def save_weights(model, path):
    """`model.save_weights(path)` (.weights.h5: model and optimizer variables) written atomically."""
    buffer = _WeightsBuffer()
    saving_lib.save_weights_only(model, buffer)
    write_bytes(path, buffer.getvalue())
