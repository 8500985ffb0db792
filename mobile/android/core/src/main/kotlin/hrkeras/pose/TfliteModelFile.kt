package hrkeras.pose

import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction

/** One input or output tensor of a model: its name, shape and element type (`float32`, `int8`, ...). */
data class TensorInfo(val name: String, val shape: List<Int>, val type: String)

/**
 * What the demo needs from a `.tflite` file without an interpreter: the JSON text of its `hrkeras`
 * metadata entry and the input and output tensors of its first subgraph. Field ids are those of
 * TensorFlow Lite's schema.fbs; mobile/METADATA.md describes the walk.
 */
class TfliteModelFile private constructor(
    /** The UTF-8 text of the `hrkeras` metadata entry. */
    val metadataJson: String,
    val inputs: List<TensorInfo>,
    val outputs: List<TensorInfo>,
) {
    companion object {
        const val METADATA_NAME = "hrkeras"

        private const val MODEL_OPERATOR_CODES = 1
        private const val MODEL_SUBGRAPHS = 2
        private const val MODEL_BUFFERS = 4
        private const val MODEL_METADATA = 6
        private const val METADATA_NAME_FIELD = 0
        private const val METADATA_BUFFER = 1
        private const val BUFFER_DATA = 0
        private const val BUFFER_OFFSET = 1
        private const val BUFFER_SIZE = 2
        private const val SUBGRAPH_TENSORS = 0
        private const val SUBGRAPH_INPUTS = 1
        private const val SUBGRAPH_OUTPUTS = 2
        private const val TENSOR_SHAPE = 0
        private const val TENSOR_TYPE = 1
        private const val TENSOR_NAME = 3

        /** TensorFlow Lite's TensorType enum, by value. */
        private val TYPES = listOf(
            "float32", "float16", "int32", "uint8", "int64", "string", "bool", "int16", "complex64", "int8",
            "float64", "complex128", "uint64", "resource", "variant", "uint32", "uint16", "int4",
        )

        /** Reads [bytes] (a whole `.tflite` file); [ModelFileException] says what is wrong otherwise. */
        fun read(bytes: ByteArray): TfliteModelFile {
            if (bytes.size < 8 || String(bytes, 4, 4, Charsets.ISO_8859_1) != "TFL3") {
                throw ModelFileException(
                    ModelFileException.Kind.NOT_TFLITE,
                    "not a TFLite model (no 'TFL3' identifier; ${bytes.size} bytes): " +
                        "choose a .tflite file written by hrkeras convert",
                )
            }
            val reader = FlatBufferReader(bytes)
            val rootOffset = reader.u32(0, "root table offset")
            if (rootOffset < 8 || rootOffset >= bytes.size) {
                throw ModelFileException(
                    ModelFileException.Kind.TRUNCATED,
                    "truncated or damaged .tflite (its root table lies outside the file); $REDO",
                )
            }
            val (data, inputs, outputs) = try {
                walk(reader, reader.table(rootOffset, "root table"))
            } catch (e: DamagedFileException) {
                throw ModelFileException(ModelFileException.Kind.TRUNCATED, "truncated or damaged .tflite: ${e.message}; $REDO")
            }
            if (data == null) {
                throw ModelFileException(
                    ModelFileException.Kind.NO_METADATA,
                    "this .tflite has no hrkeras metadata, so the app cannot tell its input size, normalization " +
                        "and keypoints: convert the model with `hrkeras convert`, which writes it",
                )
            }
            val text = try {
                Charsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data)).toString()
            } catch (e: CharacterCodingException) {
                throw ModelFileException(ModelFileException.Kind.BAD_METADATA, "the hrkeras metadata of this .tflite is not UTF-8 text; $REDO")
            }
            return TfliteModelFile(text, inputs, outputs)
        }

        private fun walk(r: FlatBufferReader, root: FlatBufferReader.Table): Triple<ByteArray?, List<TensorInfo>, List<TensorInfo>> {
            // Touch every table a runtime would read, so a cut file is refused here and not by the runtime.
            val codes = r.tables(root, MODEL_OPERATOR_CODES, "operator code")
            for (i in 0 until codes.length) r.tableAt(codes, i, "operator code $i")
            val subgraphs = r.tables(root, MODEL_SUBGRAPHS, "subgraph")
            val graphs = (0 until subgraphs.length).map { r.tableAt(subgraphs, it, "subgraph $it") }
            val bufferCount = r.tables(root, MODEL_BUFFERS, "buffer").length
            for (i in 0 until bufferCount) bufferData(r, root, i)
            val (inputs, outputs) = if (graphs.isEmpty()) emptyList<TensorInfo>() to emptyList() else tensorsOf(r, graphs[0])
            return Triple(metadataEntry(r, root), inputs, outputs)
        }

        private fun bufferData(r: FlatBufferReader, root: FlatBufferReader.Table, index: Int): ByteArray {
            val list = r.tables(root, MODEL_BUFFERS, "buffer")
            if (index >= list.length) {
                throw DamagedFileException("metadata refers to buffer $index, but the file has ${list.length} buffers")
            }
            val buffer = r.tableAt(list, index, "buffer $index")
            r.ref(buffer, BUFFER_DATA, "data of buffer $index")?.let { return r.byteVector(it, "data of buffer $index") }
            // Large models keep weights after the flatbuffer: (offset, size) into the file; offset <= 1 means none.
            val offset = r.fieldU64(buffer, BUFFER_OFFSET, "offset of buffer $index") ?: 0L
            val size = r.fieldU64(buffer, BUFFER_SIZE, "size of buffer $index") ?: 0L
            if (offset <= 1) return ByteArray(0)
            if (offset + size > r.size || offset + size < 0) {
                throw DamagedFileException("buffer $index (bytes $offset to ${offset + size}) ends past the end of the file")
            }
            return r.bytes.copyOfRange(offset.toInt(), (offset + size).toInt())
        }

        private fun metadataEntry(r: FlatBufferReader, root: FlatBufferReader.Table): ByteArray? {
            val entries = r.tables(root, MODEL_METADATA, "metadata")
            val wanted = METADATA_NAME.toByteArray(Charsets.UTF_8)
            for (i in 0 until entries.length) {
                val entry = r.tableAt(entries, i, "metadata entry $i")
                val namePos = r.ref(entry, METADATA_NAME_FIELD, "name of metadata entry $i") ?: continue
                if (r.byteVector(namePos, "name of metadata entry $i").contentEquals(wanted)) {
                    val index = r.fieldU32(entry, METADATA_BUFFER, "buffer of metadata entry $i") ?: 0L
                    if (index > Int.MAX_VALUE) throw DamagedFileException("metadata entry $i names buffer $index")
                    return bufferData(r, root, index.toInt())
                }
            }
            return null
        }

        private fun tensorsOf(r: FlatBufferReader, graph: FlatBufferReader.Table): Pair<List<TensorInfo>, List<TensorInfo>> {
            val tensors = r.tables(graph, SUBGRAPH_TENSORS, "tensor")
            fun tensor(index: Int): TensorInfo {
                if (index < 0 || index >= tensors.length) {
                    throw DamagedFileException("the graph names tensor $index, but has ${tensors.length} tensors")
                }
                val t = r.tableAt(tensors, index, "tensor $index")
                val shape = r.ref(t, TENSOR_SHAPE, "shape of tensor $index")?.let { r.intVector(it, "shape of tensor $index") }
                val type = r.fieldU8(t, TENSOR_TYPE, "type of tensor $index") ?: 0
                val name = r.ref(t, TENSOR_NAME, "name of tensor $index")?.let { String(r.byteVector(it, "name of tensor $index"), Charsets.UTF_8) }
                return TensorInfo(name ?: "", shape?.toList() ?: emptyList(), TYPES.getOrElse(type) { "type $type" })
            }
            fun list(id: Int, what: String): List<TensorInfo> =
                r.ref(graph, id, "$what list")?.let { pos -> r.intVector(pos, "$what list").map(::tensor) } ?: emptyList()
            return list(SUBGRAPH_INPUTS, "input") to list(SUBGRAPH_OUTPUTS, "output")
        }
    }
}
