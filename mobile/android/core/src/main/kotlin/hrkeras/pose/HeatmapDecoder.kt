package hrkeras.pose

import kotlin.math.exp
import kotlin.math.ln
import kotlin.math.max
import kotlin.math.min
import kotlin.math.sign

/**
 * Heatmaps -> keypoints as hrkeras.codecs (MSRAHeatmap) decodes them: the integer argmax (the first
 * maximum wins; its value is the score), then the quarter-pixel shift or DARK's Newton step, then
 * times the stride (heatmap pixels -> input pixels). Heatmaps are NHWC with batch 1: [height * width * count].
 */
class HeatmapDecoder(
    val height: Int,
    val width: Int,
    val count: Int,
    val method: DecodeMethod,
    /** Input pixels per heatmap pixel, (x, y). */
    val strideX: Float,
    val strideY: Float,
    /** DARK's blur kernel (odd). */
    val blurKernelSize: Int = 11,
) {
    init {
        require(height > 0 && width > 0 && count > 0) { "heatmap size must be positive, got ${height}x${width}x$count" }
        require(blurKernelSize > 0 && blurKernelSize % 2 == 1) { "blur kernel size must be odd and positive, got $blurKernelSize" }
    }

    /** Decodes [heatmaps] to keypoints in input (crop) pixels. */
    fun decode(heatmaps: FloatArray): Keypoints {
        require(heatmaps.size == height * width * count) {
            "heatmaps have ${heatmaps.size} values, expected ${height}x${width}x$count"
        }
        val xs = FloatArray(count)
        val ys = FloatArray(count)
        val scores = FloatArray(count)
        for (k in 0 until count) {
            val (ix, iy, score) = argmax(heatmaps, k)
            scores[k] = score
            val (px, py) = when (method) {
                DecodeMethod.ARGMAX -> ix.toDouble() to iy.toDouble()
                DecodeMethod.QUARTER -> quarter(heatmaps, k, ix, iy)
                DecodeMethod.DARK -> dark(heatmaps, k, ix, iy)
            }
            // Python multiplies float32 locations by a float32 stride: round the same way.
            xs[k] = px.toFloat() * strideX
            ys[k] = py.toFloat() * strideY
        }
        return Keypoints(xs, ys, scores)
    }

    private fun argmax(maps: FloatArray, k: Int): Triple<Int, Int, Float> {
        var best = Float.NEGATIVE_INFINITY
        var index = 0
        for (i in 0 until height * width) {
            val v = maps[i * count + k]
            if (v > best) { best = v; index = i }
        }
        if (best == Float.NEGATIVE_INFINITY) best = maps[k] // all -inf or NaN: index 0, as numpy
        return Triple(index % width, index / width, best)
    }

    private fun at(maps: FloatArray, k: Int, x: Int, y: Int): Float =
        maps[(y.coerceIn(0, height - 1) * width + x.coerceIn(0, width - 1)) * count + k]

    /** mmpose's refine_keypoints: 0.25 px toward the higher neighbour, away from the border. */
    private fun quarter(maps: FloatArray, k: Int, x: Int, y: Int): Pair<Double, Double> {
        val dx = if (x > 1 && x < width - 1 && y > 0) at(maps, k, x + 1, y) - at(maps, k, x - 1, y) else 0f
        val dy = if (y > 1 && y < height - 1 && x > 0) at(maps, k, x, y + 1) - at(maps, k, x, y - 1) else 0f
        return x + 0.25 * sign(dx) to y + 0.25 * sign(dy)
    }

    /** DARK: one Newton step on the log of the blurred heatmap; maxima within 2 px of the border stay. */
    private fun dark(maps: FloatArray, k: Int, x: Int, y: Int): Pair<Double, Double> {
        val blurred = blur(DoubleArray(height * width) { maps[it * count + k].toDouble() })
        fun v(ox: Int, oy: Int): Double {
            val cx = (x + ox).coerceIn(0, width - 1)
            val cy = (y + oy).coerceIn(0, height - 1)
            return ln(max(blurred[cy * width + cx], 1e-10))
        }
        val dx = 0.5 * (v(1, 0) - v(-1, 0))
        val dy = 0.5 * (v(0, 1) - v(0, -1))
        val dxx = 0.25 * (v(2, 0) - 2 * v(0, 0) + v(-2, 0))
        val dyy = 0.25 * (v(0, 2) - 2 * v(0, 0) + v(0, -2))
        val dxy = 0.25 * (v(1, 1) - v(1, -1) - v(-1, 1) + v(-1, -1))
        val det = dxx * dyy - dxy * dxy
        if (x > 1 && x < width - 2 && y > 1 && y < height - 2 && det != 0.0) {
            return x - (dyy * dx - dxy * dy) / det to y - (dxx * dy - dxy * dx) / det
        }
        return x.toDouble() to y.toDouble()
    }

    /** Separable Gaussian blur with zero padding (OpenCV's sigma for the kernel size), rescaled to keep the maximum. */
    private fun blur(map: DoubleArray): DoubleArray {
        val radius = blurKernelSize / 2
        val sigma = 0.3 * ((blurKernelSize - 1) * 0.5 - 1) + 0.8
        val taps = DoubleArray(blurKernelSize) { val d = it - radius; exp(-(d * d) / (2 * sigma * sigma)) }
        val sum = taps.sum()
        for (i in taps.indices) taps[i] /= sum
        val rows = DoubleArray(map.size)
        for (y in 0 until height) for (x in 0 until width) {
            var s = 0.0
            for (d in max(-radius, -x)..min(radius, width - 1 - x)) s += taps[d + radius] * map[y * width + x + d]
            rows[y * width + x] = s
        }
        val out = DoubleArray(map.size)
        for (y in 0 until height) for (x in 0 until width) {
            var s = 0.0
            for (d in max(-radius, -y)..min(radius, height - 1 - y)) s += taps[d + radius] * rows[(y + d) * width + x]
            out[y * width + x] = s
        }
        val oldMax = map.max()
        val newMax = out.max()
        val factor = if (newMax != 0.0) oldMax / newMax else 1.0
        for (i in out.indices) out[i] *= factor
        return out
    }

    companion object {
        /** The decoder a model's metadata asks for. */
        fun forModel(info: PoseInfo) = HeatmapDecoder(
            info.heatmapHeight, info.heatmapWidth, info.keypointCount, info.decode,
            info.inputWidth.toFloat() / info.heatmapWidth, info.inputHeight.toFloat() / info.heatmapHeight,
            info.blurKernelSize,
        )
    }
}
