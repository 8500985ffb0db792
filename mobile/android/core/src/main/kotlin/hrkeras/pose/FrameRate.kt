package hrkeras.pose

/** Frames per second over the last [windowSeconds] (as the browser demo counts them). */
class FrameRate(private val windowSeconds: Double = 2.0) {
    private val times = ArrayDeque<Double>()

    /** Records a frame at [seconds]; returns the rate, or null until two frames are in the window. */
    fun tick(seconds: Double): Double? {
        times.addLast(seconds)
        while (times.size > 1 && seconds - times.first() > windowSeconds) times.removeFirst()
        val span = seconds - times.first()
        return if (times.size > 1 && span > 0) (times.size - 1) / span else null
    }
}
