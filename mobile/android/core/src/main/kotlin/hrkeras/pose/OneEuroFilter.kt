package hrkeras.pose

import kotlin.math.PI
import kotlin.math.abs

/**
 * The One-Euro filter (Casiez, Roussel and Vogel, CHI 2012) of a vector signal: a low-pass filter whose
 * cutoff rises with the speed of the signal, so it is smooth when still and responsive when moving.
 * [minCutoff] (Hz) sets the smoothing at rest, [beta] how fast the cutoff grows with speed.
 */
class OneEuroFilter(val minCutoff: Double = 1.0, val beta: Double = 0.05, val derivativeCutoff: Double = 1.0) {
    private var value: DoubleArray? = null
    private var derivative: DoubleArray? = null
    private var lastTime = 0.0

    init {
        require(minCutoff > 0 && derivativeCutoff > 0 && beta >= 0) { "cutoffs must be positive and beta >= 0" }
    }

    /** Forgets the past: the next value passes unchanged. */
    fun reset() {
        value = null
        derivative = null
    }

    /**
     * The filtered [values] at time [seconds]. The first value after a [reset], a change of length, or a
     * time that does not move forward passes unchanged (and restarts the filter).
     */
    fun filter(values: DoubleArray, seconds: Double): DoubleArray {
        val x = value
        val dx = derivative
        if (x == null || dx == null || x.size != values.size || !(seconds > lastTime)) {
            value = values.copyOf()
            derivative = DoubleArray(values.size)
            lastTime = seconds
            return values.copyOf()
        }
        val dt = seconds - lastTime
        lastTime = seconds
        val aD = alpha(derivativeCutoff, dt)
        for (i in values.indices) {
            dx[i] = aD * ((values[i] - x[i]) / dt) + (1 - aD) * dx[i]
            val a = alpha(minCutoff + beta * abs(dx[i]), dt)
            x[i] = a * values[i] + (1 - a) * x[i]
        }
        return x.copyOf()
    }

    private fun alpha(cutoff: Double, dt: Double): Double {
        val tau = 1 / (2 * PI * cutoff)
        return 1 / (1 + tau / dt)
    }
}
