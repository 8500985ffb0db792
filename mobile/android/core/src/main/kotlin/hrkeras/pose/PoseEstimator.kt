package hrkeras.pose

/** One pose: [keypoints] in frame pixels, the [box] it was cropped from, and the time each step took. */
class PoseResult(
    val keypoints: Keypoints,
    val box: Box,
    val crop: CropTransform,
    val cropMs: Double,
    val runMs: Double,
    val decodeMs: Double,
) {
    val totalMs: Double get() = cropMs + runMs + decodeMs
}

/**
 * The top-down pipeline around a [PoseModel] (what hrkeras.PoseInferencer does without flip test):
 * box -> crop and normalize -> model -> decode -> frame pixels. Not thread-safe: one frame at a time.
 */
class PoseEstimator(val model: PoseModel, private val clock: () -> Long = System::nanoTime) {
    val info: PoseInfo = model.info
    private val decoder = HeatmapDecoder.forModel(info)
    private val input = FloatArray(info.inputHeight * info.inputWidth * 3)

    /** The pose in [frame] inside [box] (the whole frame when null). */
    fun estimate(frame: RgbaFrame, box: Box? = null): PoseResult {
        val t0 = clock()
        val used = box ?: Box.whole(frame.width, frame.height)
        require(used.width > 0 && used.height > 0) { "the person box must have a positive size, got $used" }
        val crop = CropTransform.of(used, info.inputWidth, info.inputHeight)
        frame.cropNormalized(crop, info.mean, info.std, input)
        val t1 = clock()
        val heatmaps = model.run(input)
        val t2 = clock()
        check(heatmaps.size == decoder.height * decoder.width * decoder.count) {
            "the model gave ${heatmaps.size} values; its metadata promises heatmaps " +
                "${decoder.height}x${decoder.width}x${decoder.count}"
        }
        val keypoints = crop.toImage(decoder.decode(heatmaps))
        val t3 = clock()
        return PoseResult(keypoints, used, crop, ms(t1 - t0), ms(t2 - t1), ms(t3 - t2))
    }

    private fun ms(nanos: Long) = nanos / 1e6
}
