package hrkeras.pose

/**
 * A model file the demo cannot use. [kind] says why (the app may choose its wording by it); [message]
 * names the problem and what to do about it.
 */
class ModelFileException(val kind: Kind, message: String) : Exception(message) {
    enum class Kind { NOT_TFLITE, TRUNCATED, NO_METADATA, BAD_METADATA, NOT_POSE }
}

internal const val REDO = "convert the model again with `hrkeras convert` (or copy the whole file again)"
