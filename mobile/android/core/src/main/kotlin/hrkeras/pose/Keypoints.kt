package hrkeras.pose

/** K keypoints: coordinates [x], [y] (pixels of some image, named by the producer) and [scores]. */
class Keypoints(val x: FloatArray, val y: FloatArray, val scores: FloatArray) {
    init {
        require(x.size == y.size && y.size == scores.size) { "x, y and scores differ in length: ${x.size}, ${y.size}, ${scores.size}" }
    }

    val size: Int get() = x.size

    /** The same scores at coordinates [transform] (x, y) gives, as a (x, y) pair. */
    inline fun map(transform: (Float, Float) -> Pair<Float, Float>): Keypoints {
        val nx = FloatArray(size)
        val ny = FloatArray(size)
        for (k in 0 until size) {
            val (a, b) = transform(x[k], y[k])
            nx[k] = a
            ny[k] = b
        }
        return Keypoints(nx, ny, scores.copyOf())
    }

    override fun toString(): String = (0 until size).joinToString(", ", "Keypoints[", "]") { "(${x[it]}, ${y[it]}; ${scores[it]})" }
}
