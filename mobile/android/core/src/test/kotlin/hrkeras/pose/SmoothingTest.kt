package hrkeras.pose

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** The One-Euro filter and the frame-rate counter. */
class SmoothingTest {
    @Test fun firstValuePassesAndAStillSignalStays() {
        val f = OneEuroFilter(minCutoff = 1.0, beta = 0.0)
        assertArrayEquals(doubleArrayOf(10.0, 20.0), f.filter(doubleArrayOf(10.0, 20.0), 0.0), 0.0)
        assertArrayEquals(doubleArrayOf(10.0, 20.0), f.filter(doubleArrayOf(10.0, 20.0), 1 / 30.0), 0.0)
    }

    @Test fun aStepIsDampedByTheCutoffAtRest() {
        val f = OneEuroFilter(minCutoff = 1.0, beta = 0.0)
        f.filter(doubleArrayOf(10.0), 0.0)
        // alpha = 1 / (1 + tau / dt), tau = 1 / (2 pi fc): at 30 fps and 1 Hz, alpha = 0.1732...
        val tau = 1 / (2 * Math.PI)
        val alpha = 1 / (1 + tau * 30)
        assertEquals(10 + 4 * alpha, f.filter(doubleArrayOf(14.0), 1 / 30.0)[0], 1e-12)
    }

    @Test fun jitterIsDampedButMotionFollowed() {
        // A point jittering +-2 px around 100 at 30 fps, then moving at 600 px/s.
        fun run(beta: Double): Pair<Double, Double> {
            val f = OneEuroFilter(minCutoff = 1.0, beta = beta)
            var jitter = 0.0
            for (i in 0 until 60) {
                val out = f.filter(doubleArrayOf(100.0 + if (i % 2 == 0) 2.0 else -2.0), i / 30.0)[0]
                if (i >= 30) jitter = maxOf(jitter, Math.abs(out - 100))
            }
            var lag = 0.0
            for (i in 60 until 90) {
                val truth = 100.0 + 20.0 * (i - 59)
                lag = truth - f.filter(doubleArrayOf(truth), i / 30.0)[0]
            }
            return jitter to lag
        }
        val (stillJitter, stillLag) = run(beta = 0.0)
        val (fastJitter, fastLag) = run(beta = 0.05)
        assertTrue("jitter of +-2 px kept under 0.5 px: $stillJitter", stillJitter < 0.5)
        assertTrue("beta keeps jitter small: $fastJitter", fastJitter < 0.5)
        assertTrue("beta follows motion: lag $fastLag < $stillLag / 3", fastLag < stillLag / 3)
    }

    @Test fun resetAndTimeGoingBackRestart() {
        val f = OneEuroFilter()
        f.filter(doubleArrayOf(0.0), 0.0)
        f.reset()
        assertArrayEquals(doubleArrayOf(50.0), f.filter(doubleArrayOf(50.0), 0.1), 0.0)
        assertArrayEquals(doubleArrayOf(80.0), f.filter(doubleArrayOf(80.0), 0.1), 0.0)
        assertArrayEquals(doubleArrayOf(1.0, 2.0), f.filter(doubleArrayOf(1.0, 2.0), 0.2), 0.0)
    }

    @Test fun frameRateOverTheLastTwoSeconds() {
        val rate = FrameRate()
        assertNull(rate.tick(0.0))
        var last: Double? = null
        for (i in 1..90) last = rate.tick(i / 30.0)
        assertEquals(30.0, last!!, 1e-9)
        // After a pause only the recent frames count.
        rate.tick(10.0)
        assertEquals(10.0, rate.tick(10.1)!!, 1e-9)
    }
}
