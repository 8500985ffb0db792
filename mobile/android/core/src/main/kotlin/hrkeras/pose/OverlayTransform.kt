package hrkeras.pose

import kotlin.math.max
import kotlin.math.min

/** How a frame is scaled into a view: whole with bars (letterbox), or covering the view and cut. */
enum class ScaleMode { FIT, FILL }

/**
 * Frame pixels -> view pixels for drawing over a preview that shows the frame centred in a [viewWidth]
 * x [viewHeight] view, scaled by [mode], and mirrored left-right when [mirrored] (a front camera's
 * preview). Frame pixel centres sit at integer coordinates, so frame pixel i covers view
 * [offset + i * scale, offset + (i + 1) * scale).
 */
class OverlayTransform(
    val frameWidth: Int,
    val frameHeight: Int,
    val viewWidth: Float,
    val viewHeight: Float,
    val mode: ScaleMode = ScaleMode.FIT,
    val mirrored: Boolean = false,
) {
    init {
        require(frameWidth > 0 && frameHeight > 0 && viewWidth > 0 && viewHeight > 0) {
            "frame and view sizes must be positive, got ${frameWidth}x$frameHeight in ${viewWidth}x$viewHeight"
        }
    }

    /** View pixels per frame pixel. */
    val scale: Float = (viewWidth / frameWidth).let { sx ->
        val sy = viewHeight / frameHeight
        if (mode == ScaleMode.FIT) min(sx, sy) else max(sx, sy)
    }

    /** Where the frame's left and top edges land (negative when FILL cuts the frame). */
    val offsetX: Float = (viewWidth - frameWidth * scale) / 2
    val offsetY: Float = (viewHeight - frameHeight * scale) / 2

    fun viewX(x: Float): Float = offsetX + (if (mirrored) frameWidth - (x + 0.5f) else x + 0.5f) * scale
    fun viewY(y: Float): Float = offsetY + (y + 0.5f) * scale

    /** The inverse: view point -> frame point. */
    fun frameX(viewX: Float): Float = ((viewX - offsetX) / scale).let { if (mirrored) frameWidth - it else it } - 0.5f
    fun frameY(viewY: Float): Float = (viewY - offsetY) / scale - 0.5f

    /** Keypoints in frame pixels -> view pixels. */
    fun toView(points: Keypoints): Keypoints = points.map { x, y -> viewX(x) to viewY(y) }

    /** The frame's rectangle in the view (left, top, right, bottom); the bars of FIT lie outside it. */
    fun frameRect(): FloatArray = floatArrayOf(offsetX, offsetY, offsetX + frameWidth * scale, offsetY + frameHeight * scale)
}
