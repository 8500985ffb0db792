"""Bounds-checked read of one metadata entry of a TFLite flatbuffer, for files that may be damaged.

Walks root table -> metadata[] -> (name, buffer index) -> buffers[] -> data, checking every offset and
vector length against the file before following it; a bad one raises Damaged (what is wrong, in words).
Field ids are those of tensorflow/lite/schema/schema.fbs.
"""
import struct

MODEL_OPERATOR_CODES, MODEL_SUBGRAPHS, MODEL_BUFFERS, MODEL_METADATA = 1, 2, 4, 6
METADATA_NAME, METADATA_BUFFER = 0, 1
BUFFER_DATA, BUFFER_OFFSET, BUFFER_SIZE = 0, 1, 2


class Damaged(Exception):
    """An offset or length in the flatbuffer points outside the file (or is otherwise impossible)."""


class _Reader:
    def __init__(self, buf):
        self.buf = buf

    def unpack(self, fmt, pos, what):
        size = struct.calcsize(fmt)
        if pos < 0 or pos + size > len(self.buf):
            raise Damaged(f"{what} at byte {pos} lies outside the file's {len(self.buf)} bytes")
        return struct.unpack_from(fmt, self.buf, pos)[0]

    def table(self, pos, what):
        """Checks the table at `pos` and its vtable; returns (pos, vtable, vtable_size)."""
        vtable = pos - self.unpack("<i", pos, what)
        vtable_size = self.unpack("<H", vtable, f"{what}'s vtable")
        table_size = self.unpack("<H", vtable + 2, f"{what}'s vtable")
        if vtable_size < 4 or vtable + vtable_size > len(self.buf) or pos + table_size > len(self.buf):
            raise Damaged(f"{what} at byte {pos} has an impossible layout")
        return pos, vtable, vtable_size

    def field(self, table, field_id, fmt, what):
        """The field's value (a scalar, or for fmt "ref" the absolute position it points to); None if absent."""
        pos, vtable, vtable_size = table
        slot = 4 + 2 * field_id
        offset = self.unpack("<H", vtable + slot, what) if slot + 2 <= vtable_size else 0
        if offset == 0:
            return None
        if fmt != "ref":
            return self.unpack(fmt, pos + offset, what)
        return pos + offset + self.unpack("<I", pos + offset, what)

    def vector(self, pos, element_size, what):
        """(start, length) of the vector at `pos`, its elements checked to lie inside the file."""
        length = self.unpack("<I", pos, what)
        if pos + 4 + length * element_size > len(self.buf):
            raise Damaged(f"{what} claims {length} entries, past the end of the file")
        return pos + 4, length

    def table_at(self, vector, i, what):
        start, _ = vector
        element = start + 4 * i
        return self.table(element + self.unpack("<I", element, what), what)

    def bytes_at(self, pos, what):
        start, length = self.vector(pos, 1, what)
        return self.buf[start:start + length]


def metadata_entry(buf, name):
    """The data (bytes) of the first metadata entry called `name` (bytes), or None if there is none.

    The operator codes, subgraph tables and every buffer's data (the weights: most of a model file)
    are checked to lie inside the file first, so a file cut short is told apart from a valid one.
    """
    reader = _Reader(buf)
    root = reader.table(reader.unpack("<I", 0, "root table offset"), "root table")
    for field, what in ((MODEL_OPERATOR_CODES, "operator code"), (MODEL_SUBGRAPHS, "subgraph")):
        tables_pos = reader.field(root, field, "ref", f"{what} list")
        tables = reader.vector(tables_pos, 4, f"{what} list") if tables_pos is not None else (0, 0)
        for i in range(tables[1]):
            reader.table_at(tables, i, f"{what} {i}")
    for index in range(_buffers(reader, root)[1]):
        _buffer_data(reader, root, index)
    entries_pos = reader.field(root, MODEL_METADATA, "ref", "metadata list")
    if entries_pos is None:
        return None
    entries = reader.vector(entries_pos, 4, "metadata list")
    for i in range(entries[1]):
        entry = reader.table_at(entries, i, f"metadata entry {i}")
        name_pos = reader.field(entry, METADATA_NAME, "ref", f"name of metadata entry {i}")
        if name_pos is not None and reader.bytes_at(name_pos, f"name of metadata entry {i}") == name:
            index = reader.field(entry, METADATA_BUFFER, "<I", f"buffer of metadata entry {i}") or 0
            return _buffer_data(reader, root, index)
    return None


def _buffers(reader, root):
    buffers_pos = reader.field(root, MODEL_BUFFERS, "ref", "buffer list")
    return reader.vector(buffers_pos, 4, "buffer list") if buffers_pos is not None else (0, 0)


def _buffer_data(reader, root, index):
    buffers = _buffers(reader, root)
    if index >= buffers[1]:
        raise Damaged(f"metadata refers to buffer {index}, but the file has {buffers[1]} buffers")
    buffer = reader.table_at(buffers, index, f"buffer {index}")
    data_pos = reader.field(buffer, BUFFER_DATA, "ref", f"data of buffer {index}")
    if data_pos is not None:
        return reader.bytes_at(data_pos, f"data of buffer {index}")
    offset = reader.field(buffer, BUFFER_OFFSET, "<Q", f"offset of buffer {index}") or 0
    size = reader.field(buffer, BUFFER_SIZE, "<Q", f"size of buffer {index}") or 0
    if offset <= 1:  # no data, or the "data lies outside the flatbuffer" placeholder
        return b""
    if offset + size > len(reader.buf):
        raise Damaged(f"buffer {index} (bytes {offset} to {offset + size}) ends past the end of the file")
    return reader.buf[offset:offset + size]
