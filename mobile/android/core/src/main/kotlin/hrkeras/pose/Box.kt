package hrkeras.pose

import kotlin.math.max
import kotlin.math.min

/** An axis-aligned box: top-left ([x], [y]), [width] and [height], in image pixels. */
data class Box(val x: Double, val y: Double, val width: Double, val height: Double) {
    val right: Double get() = x + width
    val bottom: Double get() = y + height

    /** The part of this box inside a [frameWidth] x [frameHeight] frame, or null when nothing is left. */
    fun clip(frameWidth: Int, frameHeight: Int): Box? {
        val x0 = max(0.0, x)
        val y0 = max(0.0, y)
        val x1 = min(frameWidth.toDouble(), right)
        val y1 = min(frameHeight.toDouble(), bottom)
        return if (x1 > x0 && y1 > y0) Box(x0, y0, x1 - x0, y1 - y0) else null
    }

    companion object {
        fun whole(width: Int, height: Int) = Box(0.0, 0.0, width.toDouble(), height.toDouble())

        /** A box from its corners. */
        fun corners(x0: Double, y0: Double, x1: Double, y1: Double) = Box(x0, y0, x1 - x0, y1 - y0)

        /**
         * The box around the keypoints scoring at least [threshold], grown by [margin] of its size on each
         * side (keypoints lie inside a person's outline); null with fewer than [minPoints] such keypoints,
         * or when the box is flat or its longer side is shorter than [minSize] pixels.
         */
        fun around(points: Keypoints, threshold: Float, minPoints: Int = 3, margin: Double = 0.0, minSize: Double = 0.0): Box? {
            val kept = (0 until points.size).filter { points.scores[it] >= threshold }
            if (kept.size < minPoints) return null
            val x0 = kept.minOf { points.x[it].toDouble() }
            val x1 = kept.maxOf { points.x[it].toDouble() }
            val y0 = kept.minOf { points.y[it].toDouble() }
            val y1 = kept.maxOf { points.y[it].toDouble() }
            if (!(x1 > x0) || !(y1 > y0) || max(x1 - x0, y1 - y0) < minSize) return null
            val mx = margin * (x1 - x0)
            val my = margin * (y1 - y0)
            return Box(x0 - mx, y0 - my, x1 - x0 + 2 * mx, y1 - y0 + 2 * my)
        }
    }
}
