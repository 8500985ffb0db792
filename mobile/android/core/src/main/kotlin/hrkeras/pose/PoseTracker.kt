package hrkeras.pose

/**
 * The crop policy of the camera demos: the whole frame first; then the box around the previous frame's
 * confident keypoints (grown by [margin], clipped to the frame), smoothed with a One-Euro filter; back
 * to the whole frame when the person is lost (too few keypoints above [threshold], or a box smaller
 * than [minSizeFraction] of the frame's shorter side).
 */
class PoseTracker(
    var threshold: Float = 0.3f,
    val minPoints: Int = 5,
    val margin: Double = 0.15,
    val minSizeFraction: Double = 0.1,
    private val filter: OneEuroFilter = OneEuroFilter(minCutoff = 1.0, beta = 0.02),
) {
    /** The box to crop next, or null for the whole frame. */
    var box: Box? = null
        private set

    /** Back to the whole frame (a new camera, model or orientation). */
    fun reset() {
        box = null
        filter.reset()
    }

    /** Takes the keypoints found (frame pixels) in a [frameWidth] x [frameHeight] frame at [seconds]. */
    fun update(points: Keypoints, frameWidth: Int, frameHeight: Int, seconds: Double) {
        val minSize = minSizeFraction * minOf(frameWidth, frameHeight)
        val found = Box.around(points, threshold, minPoints, margin, minSize)?.clip(frameWidth, frameHeight)
        if (found == null) {
            reset()
            return
        }
        val (x0, y0, x1, y1) = filter.filter(doubleArrayOf(found.x, found.y, found.right, found.bottom), seconds).toList()
        box = Box.corners(x0, y0, x1, y1)
    }
}
