package hrkeras.pose

/** Raised by [FlatBufferReader] when an offset or length points outside the file. */
internal class DamagedFileException(message: String) : Exception(message)

/**
 * Bounds-checked reading of a little-endian flatbuffer: every offset and vector length is checked
 * against the file size before it is followed, so a cut or damaged file gives [DamagedFileException]
 * instead of garbage or an index error.
 */
internal class FlatBufferReader(val bytes: ByteArray) {
    val size: Int get() = bytes.size

    /** A table at [pos] whose vtable lies at [vtable] and is [vtableSize] bytes long. */
    class Table(val pos: Int, val vtable: Int, val vtableSize: Int)

    /** A vector of [length] elements starting at [start]. */
    class Vector(val start: Int, val length: Int)

    private fun check(pos: Long, width: Int, what: String) {
        if (pos < 0 || pos + width > size) {
            throw DamagedFileException("$what at byte $pos lies outside the file's $size bytes")
        }
    }

    fun u8(pos: Long, what: String): Int { check(pos, 1, what); return bytes[pos.toInt()].toInt() and 0xFF }

    fun u16(pos: Long, what: String): Int { check(pos, 2, what); return raw(pos.toInt(), 2).toInt() }

    fun i32(pos: Long, what: String): Int { check(pos, 4, what); return raw(pos.toInt(), 4).toInt() }

    fun u32(pos: Long, what: String): Long { check(pos, 4, what); return raw(pos.toInt(), 4) }

    /** An unsigned 64-bit value; one past [Long.MAX_VALUE] cannot be a position in a file, so it is refused. */
    fun u64(pos: Long, what: String): Long {
        check(pos, 8, what)
        val v = raw(pos.toInt(), 8)
        if (v < 0) throw DamagedFileException("$what at byte $pos is impossibly large")
        return v
    }

    private fun raw(pos: Int, width: Int): Long {
        var v = 0L
        for (k in width - 1 downTo 0) v = (v shl 8) or (bytes[pos + k].toLong() and 0xFF)
        return v
    }

    fun table(pos: Long, what: String): Table {
        val vtable = pos - i32(pos, what)
        val vtableSize = u16(vtable, "$what's vtable")
        val tableSize = u16(vtable + 2, "$what's vtable")
        if (vtableSize < 4 || vtable + vtableSize > size || pos + tableSize > size) {
            throw DamagedFileException("$what at byte $pos has an impossible layout")
        }
        return Table(pos.toInt(), vtable.toInt(), vtableSize)
    }

    /** Position of field [id]'s value inside [table], or null when the field is absent. */
    private fun fieldPos(table: Table, id: Int, what: String): Long? {
        val slot = 4 + 2 * id
        val offset = if (slot + 2 <= table.vtableSize) u16(table.vtable + slot.toLong(), what) else 0
        return if (offset == 0) null else table.pos.toLong() + offset
    }

    /** The absolute position that reference field [id] points to, or null when absent. */
    fun ref(table: Table, id: Int, what: String): Long? = fieldPos(table, id, what)?.let { it + u32(it, what) }

    fun fieldU8(table: Table, id: Int, what: String): Int? = fieldPos(table, id, what)?.let { u8(it, what) }

    fun fieldU32(table: Table, id: Int, what: String): Long? = fieldPos(table, id, what)?.let { u32(it, what) }

    fun fieldU64(table: Table, id: Int, what: String): Long? = fieldPos(table, id, what)?.let { u64(it, what) }

    fun vector(pos: Long, elementSize: Int, what: String): Vector {
        val length = u32(pos, what)
        if (pos + 4 + length * elementSize > size) {
            throw DamagedFileException("$what claims $length entries, past the end of the file")
        }
        return Vector((pos + 4).toInt(), length.toInt())
    }

    /** A vector field of tables, or an empty vector when the field is absent. */
    fun tables(table: Table, id: Int, what: String): Vector =
        ref(table, id, "$what list")?.let { vector(it, 4, "$what list") } ?: Vector(0, 0)

    fun tableAt(vector: Vector, index: Int, what: String): Table {
        val element = vector.start.toLong() + 4L * index
        return table(element + u32(element, what), what)
    }

    fun byteVector(pos: Long, what: String): ByteArray {
        val v = vector(pos, 1, what)
        return bytes.copyOfRange(v.start, v.start + v.length)
    }

    /** Int32 vector at [pos] (tensor shapes and index lists). */
    fun intVector(pos: Long, what: String): IntArray {
        val v = vector(pos, 4, what)
        return IntArray(v.length) { i32(v.start + 4L * it, what) }
    }
}
