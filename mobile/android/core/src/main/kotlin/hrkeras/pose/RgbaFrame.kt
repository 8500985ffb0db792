package hrkeras.pose

import java.nio.ByteBuffer

/**
 * An RGBA_8888 camera frame seen upright: the [cropLeft]..[cropRight) x [cropTop]..[cropBottom) region of
 * a [bufferWidth] x [bufferHeight] buffer (rows [rowStride] bytes apart), turned clockwise by
 * [rotationDegrees] (CameraX's ImageInfo.rotationDegrees and ImageProxy.cropRect). All pose
 * coordinates are in this upright frame's pixels, [width] x [height].
 */
class RgbaFrame(
    val pixels: ByteBuffer,
    val bufferWidth: Int,
    val bufferHeight: Int,
    val rowStride: Int = bufferWidth * 4,
    val rotationDegrees: Int = 0,
    val cropLeft: Int = 0,
    val cropTop: Int = 0,
    val cropRight: Int = bufferWidth,
    val cropBottom: Int = bufferHeight,
) {
    private val regionWidth = cropRight - cropLeft
    private val regionHeight = cropBottom - cropTop

    init {
        require(bufferWidth > 0 && bufferHeight > 0) { "frame size must be positive, got ${bufferWidth}x$bufferHeight" }
        require(rowStride >= bufferWidth * 4) { "row stride $rowStride is shorter than a row of $bufferWidth RGBA pixels" }
        require(pixels.limit() >= rowStride.toLong() * (bufferHeight - 1) + bufferWidth * 4L) {
            "the pixel buffer holds ${pixels.limit()} bytes, too few for ${bufferWidth}x$bufferHeight RGBA with row stride $rowStride"
        }
        require(rotationDegrees in ROTATIONS) { "rotation must be 0, 90, 180 or 270 degrees, got $rotationDegrees" }
        require(cropLeft in 0 until cropRight && cropRight <= bufferWidth && cropTop in 0 until cropBottom && cropBottom <= bufferHeight) {
            "crop rectangle [$cropLeft, $cropTop, $cropRight, $cropBottom] is empty or outside the ${bufferWidth}x$bufferHeight buffer"
        }
    }

    private val quarterTurn = rotationDegrees == 90 || rotationDegrees == 270

    /** Upright width and height. */
    val width: Int = if (quarterTurn) regionHeight else regionWidth
    val height: Int = if (quarterTurn) regionWidth else regionHeight

    // Upright (u, v) -> buffer (x, y) = (x0 + xu * u + xv * v, y0 + yu * u + yv * v).
    private val x0: Int
    private val xu: Int
    private val xv: Int
    private val y0: Int
    private val yu: Int
    private val yv: Int

    init {
        val lastX = cropRight - 1
        val lastY = cropBottom - 1
        when (rotationDegrees) {
            0 -> { x0 = cropLeft; xu = 1; xv = 0; y0 = cropTop; yu = 0; yv = 1 }
            90 -> { x0 = cropLeft; xu = 0; xv = 1; y0 = lastY; yu = -1; yv = 0 }
            180 -> { x0 = lastX; xu = -1; xv = 0; y0 = lastY; yu = 0; yv = -1 }
            else -> { x0 = lastX; xu = 0; xv = -1; y0 = cropTop; yu = 1; yv = 0 }
        }
    }

    /** Channel [c] (0 red, 1 green, 2 blue) of upright pixel ([u], [v]); 0 outside the frame. */
    fun channel(u: Int, v: Int, c: Int): Int {
        if (u < 0 || v < 0 || u >= width || v >= height) return 0
        val x = x0 + xu * u + xv * v
        val y = y0 + yu * u + yv * v
        return pixels.get(y * rowStride + x * 4 + c).toInt() and 0xFF
    }

    /**
     * The model input for [crop]: output pixel (x, y) samples this frame bilinearly at the crop's inverse
     * map of (x, y) (zeros outside), then (pixel - [mean]) / [std] per channel; float32 NHWC
     * [crop.inputHeight * crop.inputWidth * 3], written into [out] when given. Computed in float32 in
     * TensorFlow's order, so it equals hrkeras' warp.crop_image + normalize.
     */
    fun cropNormalized(crop: CropTransform, mean: FloatArray, std: FloatArray, out: FloatArray? = null): FloatArray {
        val outW = crop.inputWidth
        val outH = crop.inputHeight
        val result = out ?: FloatArray(outW * outH * 3)
        require(result.size == outW * outH * 3) { "output holds ${result.size} floats, the crop needs ${outW * outH * 3}" }
        require(mean.size == 3 && std.size == 3) { "mean and std need 3 values (RGB)" }
        // The inverse of the crop matrix, rounded to float32 as TensorFlow computes it.
        val s = outW.toFloat() / crop.scaleX.toFloat()
        val inv = 1f / s
        val ox = -(inv * (outW.toFloat() * 0.5f - s * crop.centerX.toFloat()))
        val oy = -(inv * (outH.toFloat() * 0.5f - s * crop.centerY.toFloat()))
        for (y in 0 until outH) {
            val iy = inv * y + oy
            val top = kotlin.math.floor(iy).toInt()
            val wy1 = iy - top
            val wy0 = (top + 1) - iy
            for (x in 0 until outW) {
                val ix = inv * x + ox
                val left = kotlin.math.floor(ix).toInt()
                val wx1 = ix - left
                val wx0 = (left + 1) - ix
                val o = (y * outW + x) * 3
                for (c in 0 until 3) {
                    val upper = wx0 * channel(left, top, c) + wx1 * channel(left + 1, top, c)
                    val lower = wx0 * channel(left, top + 1, c) + wx1 * channel(left + 1, top + 1, c)
                    val v = wy0 * upper + wy1 * lower
                    result[o + c] = (v - mean[c]) / std[c]
                }
            }
        }
        return result
    }

    companion object {
        val ROTATIONS = setOf(0, 90, 180, 270)

        /** A frame over tightly packed RGBA bytes, upright. */
        fun of(rgba: ByteArray, width: Int, height: Int) = RgbaFrame(ByteBuffer.wrap(rgba), width, height)
    }
}
