package hrkeras.pose

/**
 * Inference behind the pose pipeline: the app implements it with LiteRT's CompiledModel, the tests
 * with recorded heatmaps.
 */
interface PoseModel : AutoCloseable {
    /** The model's metadata (input size, normalization, decoding, keypoints). */
    val info: PoseInfo

    /**
     * Runs the model on one normalized input, float32 NHWC [1, H, W, 3] flattened, and returns its
     * heatmaps, float32 NHWC [1, h, w, K] flattened.
     */
    fun run(input: FloatArray): FloatArray

    override fun close() {}
}
