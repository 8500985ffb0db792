package hrkeras.pose

/** How a decoder refines the integer heatmap maximum (metadata `output.codec.decode`). */
enum class DecodeMethod(val key: String) {
    ARGMAX("argmax"), QUARTER("quarter"), DARK("dark");

    companion object {
        fun of(key: String): DecodeMethod =
            entries.firstOrNull { it.key == key }
                ?: throw IllegalArgumentException("unknown decode method '$key'; use dark, quarter or argmax")
    }
}

/**
 * The `hrkeras` metadata of a pose `.tflite`, typed and checked (fields: mobile/METADATA.md).
 * Sizes are (height, width) as in the metadata; [inputWidth] etc. spell them out.
 */
data class PoseInfo(
    val hrkerasVersion: String,
    val model: String,
    val quantization: String,
    val inputHeight: Int,
    val inputWidth: Int,
    val mean: FloatArray,
    val std: FloatArray,
    val heatmapHeight: Int,
    val heatmapWidth: Int,
    val decode: DecodeMethod,
    val blurKernelSize: Int,
    val names: List<String>,
    val skeleton: List<Pair<Int, Int>>,
    val flipPairs: List<Pair<Int, Int>>,
) {
    val keypointCount: Int get() = names.size

    /** Expected input shape [1, H, W, 3] and output shape [1, h, w, K]. */
    val inputShape: List<Int> get() = listOf(1, inputHeight, inputWidth, 3)
    val outputShape: List<Int> get() = listOf(1, heatmapHeight, heatmapWidth, keypointCount)

    /**
     * Checks the model's tensors against this metadata (a model the metadata was not written for, or a
     * non-pose model, fails here); [ModelFileException] of kind NOT_POSE naming both shapes.
     */
    fun checkTensors(inputs: List<TensorInfo>, outputs: List<TensorInfo>) {
        if (inputs.size != 1 || outputs.size != 1) {
            throw ModelFileException(ModelFileException.Kind.NOT_POSE,
                "this model has ${inputs.size} inputs and ${outputs.size} outputs; a pose model has one of each")
        }
        val (input, output) = inputs[0] to outputs[0]
        if (input.type != "float32" || output.type != "float32") {
            throw ModelFileException(ModelFileException.Kind.NOT_POSE,
                "this model takes ${input.type} and gives ${output.type}; the app runs float32 input and output " +
                    "(hrkeras convert keeps float I/O on quantized models)")
        }
        if (input.shape != inputShape || output.shape != outputShape) {
            throw ModelFileException(ModelFileException.Kind.NOT_POSE,
                "this model takes ${input.shape} and gives ${output.shape}, but a pose model with this metadata takes " +
                    "$inputShape and gives heatmaps $outputShape: choose the pose model the metadata was written for")
        }
    }

    override fun equals(other: Any?): Boolean = other is PoseInfo && toString() == other.toString()

    override fun hashCode(): Int = toString().hashCode()

    override fun toString(): String =
        "PoseInfo($model, $quantization, input ${inputHeight}x$inputWidth, mean ${mean.toList()}, std ${std.toList()}, " +
            "heatmaps ${heatmapHeight}x$heatmapWidth, decode ${decode.key} (blur $blurKernelSize), $names, $skeleton, $flipPairs)"

    companion object {
        /** The fields a pose model's metadata must have, with their checks (mobile/METADATA.md lists the same). */
        val FIELDS: Map<String, (Any?) -> Boolean> = linkedMapOf(
            "hrkeras_version" to ::isString,
            "model" to ::isString,
            "task" to { v -> v == "pose" },
            "quantization" to ::isString,
            "input.size" to ::isPositiveIntPair,
            "input.layout" to { v -> v == "NHWC" },
            "input.color" to { v -> v == "RGB" },
            "input.pixel_range" to { v -> isNumbers(v, 2) },
            "input.mean" to { v -> isNumbers(v, 3) },
            "input.std" to { v -> isNumbers(v, 3) && (v as List<*>).all { (it as Double) > 0 } },
            "output.heatmap_size" to ::isPositiveIntPair,
            "output.stride" to ::isPositiveInt,
            "output.layout" to { v -> v == "NHWC" },
            "output.codec.name" to { v -> v == "msra_heatmap" },
            "output.codec.sigma" to { v -> v is Double && v.isFinite() && v > 0 },
            "output.codec.unbiased" to { v -> v is Boolean },
            "output.codec.decode" to { v -> v in DecodeMethod.entries.map { it.key } },
            "output.codec.blur_kernel_size" to { v -> isPositiveInt(v) && (v as Double).toInt() % 2 == 1 },
            "keypoints.names" to { v -> v is List<*> && v.isNotEmpty() && v.all(::isString) },
            "keypoints.skeleton" to ::isIntPairs,
            "keypoints.flip_pairs" to ::isIntPairs,
        )

        /** Reads and checks the metadata of a whole `.tflite` file, and checks its tensors against it. */
        fun fromModelFile(bytes: ByteArray): PoseInfo {
            val file = TfliteModelFile.read(bytes)
            return parse(file.metadataJson).also { it.checkTensors(file.inputs, file.outputs) }
        }

        /** Parses and checks metadata JSON text; [ModelFileException] naming every unusable field. */
        fun parse(json: String): PoseInfo {
            val root = try {
                Json.parse(json)
            } catch (e: IllegalArgumentException) {
                throw ModelFileException(ModelFileException.Kind.BAD_METADATA, "the hrkeras metadata of this .tflite is not JSON (${e.message}); $REDO")
            }
            if (root !is Map<*, *>) {
                throw ModelFileException(ModelFileException.Kind.BAD_METADATA, "the hrkeras metadata of this .tflite is not a JSON object; $REDO")
            }
            if (root["task"] != "pose") {
                val task = root["task"]?.let { if (it is String) "\"$it\"" else it.toString() } ?: "null"
                throw ModelFileException(ModelFileException.Kind.NOT_POSE,
                    "this model's metadata says task $task, not \"pose\": choose a pose model (hrkeras convert of a pose model)")
            }
            val bad = FIELDS.filter { (path, ok) -> !ok(lookup(root, path)) }.keys
            if (bad.isNotEmpty()) {
                throw ModelFileException(ModelFileException.Kind.BAD_METADATA,
                    "the hrkeras metadata lacks or has unusable fields: ${bad.joinToString(", ")}; $REDO")
            }
            fun ints(path: String) = (lookup(root, path) as List<*>).map { (it as Double).toInt() }
            fun floats(path: String) = (lookup(root, path) as List<*>).map { (it as Double).toFloat() }.toFloatArray()
            fun pairs(path: String) = (lookup(root, path) as List<*>).map { p ->
                val (a, b) = (p as List<*>).map { (it as Double).toInt() }
                a to b
            }
            val names = (lookup(root, "keypoints.names") as List<*>).map { it as String }
            val skeleton = pairs("keypoints.skeleton")
            val flipPairs = pairs("keypoints.flip_pairs")
            if ((skeleton + flipPairs).any { (a, b) -> a < 0 || b < 0 || a >= names.size || b >= names.size }) {
                throw ModelFileException(ModelFileException.Kind.BAD_METADATA,
                    "the skeleton or flip pairs name keypoints past the ${names.size} listed; $REDO")
            }
            val (inH, inW) = ints("input.size")
            val (hmH, hmW) = ints("output.heatmap_size")
            return PoseInfo(
                hrkerasVersion = lookup(root, "hrkeras_version") as String,
                model = lookup(root, "model") as String,
                quantization = lookup(root, "quantization") as String,
                inputHeight = inH, inputWidth = inW,
                mean = floats("input.mean"), std = floats("input.std"),
                heatmapHeight = hmH, heatmapWidth = hmW,
                decode = DecodeMethod.of(lookup(root, "output.codec.decode") as String),
                blurKernelSize = (lookup(root, "output.codec.blur_kernel_size") as Double).toInt(),
                names = names, skeleton = skeleton, flipPairs = flipPairs,
            )
        }

        private fun lookup(root: Map<*, *>, path: String): Any? {
            var value: Any? = root
            for (key in path.split('.')) value = (value as? Map<*, *>)?.get(key) ?: return null
            return value
        }

        private fun isString(v: Any?) = v is String
        private fun isInt(v: Any?) = v is Double && v.isFinite() && v == Math.rint(v) && Math.abs(v) < 1e9
        private fun isPositiveInt(v: Any?) = isInt(v) && (v as Double) > 0
        private fun isPositiveIntPair(v: Any?) = v is List<*> && v.size == 2 && v.all(::isPositiveInt)
        private fun isNumbers(v: Any?, n: Int) = v is List<*> && v.size == n && v.all { it is Double && it.isFinite() }
        private fun isIntPairs(v: Any?) = v is List<*> && v.all { p -> p is List<*> && p.size == 2 && p.all(::isInt) }
    }
}
